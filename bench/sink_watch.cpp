#include "sink_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace raven::bench {
namespace {

// How long the thread sleeps in poll() before it looks at its stop token.
constexpr int kPollMs = 50;

[[noreturn]] void fail_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

SinkWatch::SinkWatch(std::string maildir) : maildir_(std::move(maildir)) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) fail_errno("inotify_init1");
  if (::inotify_add_watch(inotify_fd_, maildir_.c_str(), IN_MOVED_TO) < 0) {
    const int saved = errno;
    ::close(inotify_fd_);
    throw std::system_error(saved, std::generic_category(), "inotify_add_watch " + maildir_);
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

SinkWatch::~SinkWatch() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  ::close(inotify_fd_);
}

void SinkWatch::run(const std::stop_token& stop) {
  alignas(inotify_event) std::array<char, std::size_t{64} * 1024> buf{};
  while (!stop.stop_requested()) {
    pollfd p{inotify_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const WallTime now = WallClock::now();
    const ssize_t n = ::read(inotify_fd_, buf.data(), buf.size());
    if (n <= 0) continue;
    std::vector<Arrival> batch;
    for (ssize_t off = 0; off < n;) {
      inotify_event event{};
      std::memcpy(&event, buf.data() + off, sizeof event);
      const std::string name = event.len > 0 ? std::string(buf.data() + off + sizeof event) : std::string();
      off += static_cast<ssize_t>(sizeof event + event.len);
      if (ends_with(name, ".json")) batch.push_back({name.substr(0, name.size() - 5), now});
    }
    if (batch.empty()) continue;
    {
      std::lock_guard lock(m_);
      arrivals_.insert(arrivals_.end(), batch.begin(), batch.end());
    }
    changed_.notify_all();
  }
}

std::size_t SinkWatch::count() const {
  std::lock_guard lock(m_);
  return arrivals_.size();
}

std::vector<SinkWatch::Arrival> SinkWatch::arrivals() const {
  std::lock_guard lock(m_);
  return arrivals_;
}

}  // namespace raven::bench
