// raven::UniqueFd — a move-only owner of one POSIX file descriptor (a file,
// a pipe end, a socket, an eventfd). DESIGN.md, "Style": RAII for every fd.
//
// Closes on destruction, on reset() and when moved onto; a moved-from owner
// holds nothing (-1). Not thread-safe: one owner, one thread at a time.
#pragma once

#include <unistd.h>

#include <utility>

namespace raven {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  // Takes ownership of `fd` (-1: nothing, e.g. a failed open()).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  // Gives up ownership (e.g. to a libetpan stream, which closes it).
  int release() noexcept { return std::exchange(fd_, -1); }
  // Closes what it holds, then owns `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace raven
