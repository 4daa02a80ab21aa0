#include "imap/tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/error.hpp"

namespace raven::imap {
namespace {

struct AddrInfoFree {
  void operator()(addrinfo* p) const noexcept { freeaddrinfo(p); }
};

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

// Connects one address; returns the socket, or an empty fd with `why` set.
UniqueFd try_address(const addrinfo& ai, std::chrono::steady_clock::time_point deadline, int wake_fd,
                     std::string& why, bool& stopped) {
  UniqueFd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (!fd) {
    why = std::strerror(errno);
    return {};
  }
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      why = std::strerror(errno);
      return {};
    }
    for (;;) {
      const int wait_ms = remaining_ms(deadline);
      if (wait_ms == 0) {
        why = "timed out";
        return {};
      }
      std::array<pollfd, 2> fds{{{fd.get(), POLLOUT, 0}, {wake_fd, POLLIN, 0}}};
      const int n = ::poll(fds.data(), wake_fd >= 0 ? 2 : 1, wait_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        why = std::strerror(errno);
        return {};
      }
      if (wake_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
        why = "stopped";
        stopped = true;
        return {};
      }
      if (fds[0].revents != 0) break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      why = std::strerror(err);
      return {};
    }
  }
  // Blocking from here on: libetpan polls before each read and write, and the
  // TLS handshake waits with GnuTLS's own timeout.
  const int flags = ::fcntl(fd.get(), F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) {
    why = std::strerror(errno);
    return {};
  }
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);  // best effort
  return fd;
}

}  // namespace

UniqueFd tcp_connect(const std::string& host, std::uint16_t port,
                     std::chrono::steady_clock::time_point deadline, int wake_fd) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &raw);
  if (gai != 0) {
    throw Error(ErrorKind::transient, "imap: cannot resolve " + host + ": " +
                                          (gai == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(gai)));
  }
  std::unique_ptr<addrinfo, AddrInfoFree> list(raw);
  std::string why = "no address";
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    bool stopped = false;
    UniqueFd fd = try_address(*ai, deadline, wake_fd, why, stopped);
    if (fd) return fd;
    if (stopped || remaining_ms(deadline) == 0) break;
  }
  throw Error(ErrorKind::transient, "imap: cannot connect to " + where + ": " + why);
}

}  // namespace raven::imap
