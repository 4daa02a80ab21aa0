// Session::idle — IDLE (RFC 2177).
//
// libetpan's IDLE API is three calls: mailimap_idle() sends IDLE and reads the
// continuation, mailimap_idle_get_fd() gives the socket to wait on, and
// mailimap_idle_done() sends DONE and parses everything up to the tagged OK,
// storing untagged EXISTS/RECENT in the selection info and EXPUNGE/FETCH in
// the response info. So the wait is ours: poll() on the socket and on an
// eventfd that a stop request writes. Before each poll the stream's own
// buffer is checked: data that arrived together with the continuation is
// already read from the socket, and poll() would never report it.
//
// When the server sends something that is not news (Dovecot's "* OK Still
// here" every 2 minutes), IDLE is ended and issued again, until `max`.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {
namespace {

using Clock = std::chrono::steady_clock;

enum class Wake { data, stop, timeout, error };

// Waits for the server (or a stop request, or `deadline`). On Wake::error,
// errno says why.
Wake wait_for_news(mailimap* imap, int wake_fd, Clock::time_point deadline, const std::stop_token& stop) {
  const int sock = mailimap_idle_get_fd(imap);
  for (;;) {
    if (stop.stop_requested()) return Wake::stop;
    if (imap->imap_stream->read_buffer_len > 0) return Wake::data;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Wake::timeout;
    std::array<pollfd, 2> fds{{{sock, POLLIN, 0}, {wake_fd, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wake::error;
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd, &count, sizeof count);
      continue;  // the loop head reports the stop
    }
    if (fds[0].revents != 0) return Wake::data;  // data, EOF or error: DONE will tell
  }
}

bool mailbox_changed(const mailimap* imap) {
  const mailimap_selection_info* sel = imap->imap_selection_info;
  const mailimap_response_info* info = imap->imap_response_info;
  return (sel != nullptr && (sel->sel_has_exists || sel->sel_has_recent)) ||
         (info != nullptr && (etpan::count(info->rsp_expunged) > 0 || etpan::count(info->rsp_fetch_list) > 0));
}

}  // namespace

Session::IdleResult Session::idle(std::chrono::milliseconds max, std::stop_token stop) {
  Impl& s = *impl_;
  s.ensure_usable();
  if (!s.has("IDLE")) {
    throw Error(ErrorKind::permanent, "imap: " + s.where + " does not support IDLE (RFC 2177); poll instead");
  }
  // mailimap_idle() dereferences the selection info.
  if (s.imap->imap_selection_info == nullptr) {
    throw Error(ErrorKind::permanent, "imap: IDLE needs a selected mailbox");
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) throw Error(ErrorKind::transient, std::string("imap: eventfd: ") + std::strerror(errno));
  std::stop_callback on_stop(stop, [&] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake.get(), &one, sizeof one);
  });

  const auto deadline = Clock::now() + max;
  for (;;) {
    if (stop.stop_requested()) return IdleResult::stopped;
    const int started = s.run([&] { return mailimap_idle(s.imap.get()); });
    if (started == MAILIMAP_ERROR_PARSE && !s.watchdog.fired()) {
      // libetpan's answer both for a tagged NO to IDLE and for a response it
      // could not parse; either way the stream's state is unknown.
      s.fail_broken("IDLE: " + s.where + " refused IDLE or sent an unparsable reply: " + s.server_text());
    }
    s.check(started, "IDLE");

    const Wake why = wait_for_news(s.imap.get(), wake.get(), deadline, stop);
    if (why == Wake::error) s.fail_broken(std::string("IDLE: poll failed: ") + std::strerror(errno));
    const int done = s.run([&] { return mailimap_idle_done(s.imap.get()); });
    s.check(done, "IDLE DONE");

    if (why == Wake::stop || stop.stop_requested()) return IdleResult::stopped;
    // News that came with DONE's reply counts too, even when `max` is up.
    if (mailbox_changed(s.imap.get())) return IdleResult::mailbox_changed;
    if (Clock::now() >= deadline) return IdleResult::timed_out;
    // Only a keep-alive or a status line: idle again for the rest of `max`.
  }
}

}  // namespace raven::imap
