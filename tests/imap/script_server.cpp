#include "script_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace raven::imap::testing {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(s[i]);
    const auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

}  // namespace

// ---- ScriptConnection ----

ScriptConnection::ScriptConnection(ScriptServer& server, int fd, int stop_fd)
    : server_(server), fd_(fd), stop_fd_(stop_fd) {}

ScriptConnection::~ScriptConnection() { close(); }

void ScriptConnection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void ScriptConnection::send(std::string_view bytes) {
  while (fd_ >= 0 && !bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client is gone
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void ScriptConnection::line(std::string_view text) {
  std::string l(text);
  l += "\r\n";
  send(l);
}

void ScriptConnection::drip(std::string_view bytes, std::chrono::milliseconds interval) {
  for (char c : bytes) {
    if (fd_ < 0) return;
    if (::send(fd_, &c, 1, MSG_NOSIGNAL) != 1) return;
    sleep(interval);
  }
}

void ScriptConnection::sleep(std::chrono::milliseconds d) {
  pollfd p{stop_fd_, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(d.count()));
}

bool ScriptConnection::fill(Clock::time_point deadline) {
  if (fd_ < 0) throw ScriptFailure("read on a closed connection");
  for (;;) {
    std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), ms_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ScriptFailure(std::string("poll: ") + std::strerror(errno));
    if (n == 0) throw ScriptFailure("timed out waiting for the client");
    if ((fds[1].revents & POLLIN) != 0) throw ScriptFailure("server shut down");
    std::array<char, 4096> buf{};
    const ssize_t got = ::recv(fd_, buf.data(), buf.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer_.append(buf.data(), static_cast<std::size_t>(got));
    return true;
  }
}

std::string ScriptConnection::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto eol = buffer_.find("\r\n");
    if (eol != std::string::npos) {
      std::string l = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 2);
      server_.record(l);
      return l;
    }
    if (!fill(deadline)) throw ScriptFailure("client closed the connection (buffered: \"" + buffer_ + "\")");
  }
}

std::string ScriptConnection::read_bytes(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buffer_.size() < n) {
    if (!fill(deadline)) throw ScriptFailure("client closed the connection inside a literal");
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

std::string ScriptConnection::expect(std::string_view command, std::chrono::milliseconds timeout) {
  const std::string l = read_line(timeout);
  const auto space = l.find(' ');
  if (space == std::string::npos) throw ScriptFailure("expected a tagged command, got \"" + l + "\"");
  if (!starts_with_nocase(std::string_view(l).substr(space + 1), command)) {
    throw ScriptFailure("expected \"" + std::string(command) + "\", got \"" + l + "\"");
  }
  return l.substr(0, space);
}

void ScriptConnection::expect_line(std::string_view text, std::chrono::milliseconds timeout) {
  const std::string l = read_line(timeout);
  if (l != text) throw ScriptFailure("expected \"" + std::string(text) + "\", got \"" + l + "\"");
}

void ScriptConnection::expect_close(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto eol = buffer_.find("\r\n");
    if (eol != std::string::npos) {
      const std::string l = buffer_.substr(0, eol);
      server_.record(l);
      throw ScriptFailure("expected the client to close, got \"" + l + "\"");
    }
    if (!fill(deadline)) {
      if (!buffer_.empty()) throw ScriptFailure("client sent a partial line before closing: \"" + buffer_ + "\"");
      return;
    }
  }
}

void ScriptConnection::greet_and_login(std::string_view caps) {
  line("* OK [CAPABILITY " + std::string(caps) + "] fake server ready");
  const std::string tag = expect("LOGIN raven secret");
  line(tag + " OK [CAPABILITY " + std::string(caps) + "] logged in");
}

void ScriptConnection::select_inbox() {
  const std::string tag = expect("SELECT INBOX");
  line("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
  line("* 3 EXISTS");
  line("* 0 RECENT");
  line("* OK [UIDVALIDITY 42] UIDs valid");
  line("* OK [UIDNEXT 7] Predicted next UID");
  line(tag + " OK [READ-WRITE] Select completed");
}

// ---- ScriptServer ----

ScriptServer::ScriptServer(Script script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  const int on = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  acceptor_ = std::jthread([this] { accept_loop(); });
}

ScriptServer::~ScriptServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(stop_fd_, &one, sizeof one);
  acceptor_.join();
  std::vector<std::jthread> scripts;
  {
    std::lock_guard lock(m_);
    scripts.swap(scripts_);
  }
  scripts.clear();  // joins
  ::close(listen_fd_);
  ::close(stop_fd_);
}

Config ScriptServer::config(Tls tls) const {
  Config c;
  c.host = "127.0.0.1";
  c.port = port_;
  c.tls = tls;
  c.username = "raven";
  c.password = "secret";
  c.connect_timeout = 2s;
  c.command_timeout = 3s;
  return c;
}

void ScriptServer::accept_loop() {
  for (;;) {
    std::array<pollfd, 2> fds{{{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // each line() goes out at once
    ++connections_;
    ++running_;
    std::lock_guard lock(m_);
    scripts_.emplace_back([this, fd] {
      try {
        ScriptConnection c(*this, fd, stop_fd_);
        script_(c);
      } catch (const std::exception& e) {
        fail(e.what());
      }
      --running_;
    });
  }
}

void ScriptServer::join(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running_.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  if (running_.load() > 0) fail("script still running after join()");
}

void ScriptServer::record(std::string line) {
  std::lock_guard lock(m_);
  received_.push_back(std::move(line));
}

void ScriptServer::fail(std::string message) {
  std::lock_guard lock(m_);
  failures_.push_back(std::move(message));
}

std::vector<std::string> ScriptServer::failures() const {
  std::lock_guard lock(m_);
  return failures_;
}

std::vector<std::string> ScriptServer::received() const {
  std::lock_guard lock(m_);
  return received_;
}

}  // namespace raven::imap::testing
