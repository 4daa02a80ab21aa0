// raven::Clock — time as a dependency, so tests run on a fake clock.
//
// DESIGN.md: a clock is injected where time matters (backoff, IDLE refresh,
// poll intervals, budgets). Production code takes `Clock&`; tests pass a
// FakeClock (common/fake_clock.hpp) and advance it by hand instead of sleeping.
#pragma once

#include <chrono>
#include <stop_token>

namespace raven {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic now. Thread-safe.
  virtual time_point now() = 0;
  // Blocks until `deadline` or until `stop` is requested, whichever is first.
  // Returns false if stopped. Thread-safe.
  virtual bool sleep_until(time_point deadline, std::stop_token stop) = 0;
  bool sleep_for(duration d, std::stop_token stop) {
    return sleep_until(now() + d, std::move(stop));
  }
};

// The real steady clock. Sleeping waits on a condition variable that a stop
// request wakes, so shutdown is immediate.
class SystemClock final : public Clock {
 public:
  time_point now() override { return std::chrono::steady_clock::now(); }
  bool sleep_until(time_point deadline, std::stop_token stop) override;
};

}  // namespace raven
