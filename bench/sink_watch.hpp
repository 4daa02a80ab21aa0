// raven::bench::SinkWatch — the moment the SMTP sink stored each reply,
// seen from outside Raven.
//
// The sink (tests/support/smtp_sink.py) writes NNNNNN-x.eml, then renames
// NNNNNN-x.json into its maildir, then answers 250; inotify's IN_MOVED_TO on
// that rename is "reply accepted", to the microsecond, and costs the sink
// nothing (the sink's own "received" field has only millisecond precision).
//
// One thread, stopped in the destructor; the accessors may be called from
// any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace raven::bench {

using WallClock = std::chrono::system_clock;
using WallTime = WallClock::time_point;

class SinkWatch {
 public:
  struct Arrival {
    std::string stem;  // "000012-ab12cd34": the .eml is <maildir>/<stem>.eml
    WallTime at;
  };

  // Starts watching `maildir` (which must exist). Throws std::system_error.
  explicit SinkWatch(std::string maildir);
  ~SinkWatch();
  SinkWatch(const SinkWatch&) = delete;
  SinkWatch& operator=(const SinkWatch&) = delete;

  std::size_t count() const;
  std::vector<Arrival> arrivals() const;
  // Blocks until count() >= n (→ true), `timeout` passes, or `keep_waiting`
  // returns false (→ false); `keep_waiting` is asked every 100 ms.
  template <typename Predicate>
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout, Predicate keep_waiting) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(m_);
    while (arrivals_.size() < n) {
      if (std::chrono::steady_clock::now() >= deadline || !keep_waiting()) return false;
      changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
    return true;
  }

 private:
  void run(const std::stop_token& stop);

  std::string maildir_;
  int inotify_fd_ = -1;
  mutable std::mutex m_;
  mutable std::condition_variable changed_;
  std::vector<Arrival> arrivals_;
  std::jthread thread_;  // last: joins before the members it uses go
};

}  // namespace raven::bench
