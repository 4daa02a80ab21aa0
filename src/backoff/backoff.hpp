// raven::backoff::Backoff — how long to wait before retrying a failed connect.
//
// The seed's policy: start at one second, double on each consecutive failure,
// never exceed one minute, reset on success. Full-range jitter on each delay
// (a random value in [delay*(1-jitter), delay]) keeps many Raven instances
// from reconnecting to a recovering server in lock step.
//
// Not thread-safe: each worker owns its Backoff. The random source is seeded
// explicitly so tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <stop_token>

#include "common/clock.hpp"
#include "common/problem.hpp"

namespace raven::backoff {

struct Config {
  std::chrono::milliseconds initial{std::chrono::seconds(1)};
  std::chrono::milliseconds max{std::chrono::minutes(1)};
  double multiplier = 2.0;
  double jitter = 0.2;  // fraction of the delay that may be taken off, 0..1

  Problems validate() const;
};

class Backoff {
 public:
  // Throws std::invalid_argument when config.validate() reports problems.
  explicit Backoff(Config config = {}, std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt; advances the sequence. Never blocks.
  std::chrono::milliseconds next();
  // Call after a success: the next delay is `initial` again.
  void reset() noexcept { attempt_ = 0; }
  // Consecutive failures since the last reset.
  unsigned attempts() const noexcept { return attempt_; }

  // Sleeps next() on `clock`. Returns false if `stop` was requested first.
  bool wait(Clock& clock, std::stop_token stop) { return clock.sleep_for(next(), std::move(stop)); }

 private:
  Config config_;
  std::mt19937_64 rng_;
  unsigned attempt_ = 0;
};

}  // namespace raven::backoff
