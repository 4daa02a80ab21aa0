// The EOF guard and cancellation on a socketpair (no network).
#include "imap/stream_guard.hpp"

#include <sys/socket.h>
#include <time.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"

namespace raven::imap {
namespace {

using namespace std::chrono_literals;

// libetpan writes with send(…, 0): a closed peer must not kill the test.
const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ours.reset(fds[0]);
    peer.reset(fds[1]);
  }
  UniqueFd ours;
  UniqueFd peer;
};

void put(int fd, const std::string& s) { ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

TEST(ImapStreamGuard, EofIsAnErrorNotZero) {
  Pair p;
  mailstream* s = mailstream_socket_open_timeout(p.ours.release(), 5);
  ASSERT_NE(s, nullptr);
  install_stream_guard(s);
  put(p.peer.get(), "abc");
  ::shutdown(p.peer.get(), SHUT_WR);
  char buf[16];
  EXPECT_EQ(mailstream_read(s, buf, sizeof buf), 3);
  EXPECT_FALSE(stream_saw_eof(s));
  EXPECT_EQ(mailstream_read(s, buf, sizeof buf), -1);
  EXPECT_TRUE(stream_saw_eof(s));
  EXPECT_EQ(mailstream_read(s, buf, sizeof buf), -1);
  mailstream_close(s);
}

// The pitfall itself: a FETCH literal cut short by EOF on a plaintext stream.
// Without the guard libetpan 1.9.4 loops forever on 0-byte reads.
TEST(ImapStreamGuard, LiteralCutShortByEofFailsWithoutSpinning) {
  Pair p;
  mailstream* s = mailstream_socket_open_timeout(p.ours.release(), 5);
  ASSERT_NE(s, nullptr);
  install_stream_guard(s);
  mailimap* imap = mailimap_new(0, nullptr);
  ASSERT_NE(imap, nullptr);
  put(p.peer.get(), "* OK ready\r\n");
  ASSERT_EQ(mailimap_connect(imap, s), MAILIMAP_NO_ERROR_NON_AUTHENTICATED);
  put(p.peer.get(), "* 1 FETCH (UID 1 BODY[HEADER] {1000}\r\nFrom: a@b\r\n");
  ::shutdown(p.peer.get(), SHUT_WR);

  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(mailimap_noop(imap), MAILIMAP_ERROR_STREAM);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_LT(cpu_seconds() - cpu0, 0.5);
  EXPECT_TRUE(stream_saw_eof(s));

  mailstream_close(imap->imap_stream);
  imap->imap_stream = nullptr;
  mailimap_free(imap);
}

TEST(ImapStreamGuard, CancelFromAnotherThreadEndsABlockedRead) {
  Pair p;
  mailstream* s = mailstream_socket_open_timeout(p.ours.release(), 30);
  ASSERT_NE(s, nullptr);
  install_stream_guard(s);
  std::jthread canceller([s] {
    std::this_thread::sleep_for(100ms);
    mailstream_cancel(s);
  });
  const auto t0 = std::chrono::steady_clock::now();
  char buf[16];
  EXPECT_EQ(mailstream_read(s, buf, sizeof buf), -1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(stream_saw_eof(s));
  canceller.join();
  mailstream_close(s);
}

TEST(ImapStreamGuard, TimeoutReachesTheInnerDriver) {
  Pair p;
  mailstream* s = mailstream_socket_open_timeout(p.ours.release(), 30);
  ASSERT_NE(s, nullptr);
  install_stream_guard(s);
  set_stream_timeout(s, 1);
  EXPECT_EQ(mailstream_low_get_timeout(guarded_low(s)), 1);
  const auto t0 = std::chrono::steady_clock::now();
  char buf[16];
  EXPECT_EQ(mailstream_read(s, buf, sizeof buf), -1);  // nothing arrives: per-read timeout
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  mailstream_close(s);
}

}  // namespace
}  // namespace raven::imap
