// raven::FakeClock — a Clock for tests: time moves only when a test says so.
//
// sleep_until() blocks until another thread advances the clock past the
// deadline (or stop is requested). `sleepers()` lets a test wait until the code
// under test is actually asleep before advancing, so tests are deterministic.
#pragma once

#include <condition_variable>
#include <mutex>

#include "common/clock.hpp"

namespace raven {

class FakeClock final : public Clock {
 public:
  time_point now() override {
    std::lock_guard lock(m_);
    return now_;
  }
  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::unique_lock lock(m_);
    ++sleepers_;
    changed_.notify_all();
    bool reached = changed_.wait(lock, stop, [&] { return now_ >= deadline; });
    --sleepers_;
    changed_.notify_all();
    return reached;
  }
  // Moves time forward and wakes sleepers whose deadline passed.
  void advance(duration d) {
    std::lock_guard lock(m_);
    now_ += d;
    changed_.notify_all();
  }
  // Blocks until at least `n` threads are inside sleep_until().
  void wait_for_sleepers(int n) {
    std::unique_lock lock(m_);
    changed_.wait(lock, [&] { return sleepers_ >= n; });
  }

 private:
  std::mutex m_;
  std::condition_variable_any changed_;
  time_point now_{std::chrono::hours(1000)};
  int sleepers_ = 0;
};

}  // namespace raven
