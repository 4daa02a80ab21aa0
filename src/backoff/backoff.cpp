#include "backoff/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace raven::backoff {

Problems Config::validate() const {
  Problems out;
  if (initial.count() <= 0) out.push_back({"initial", "must be a positive duration"});
  if (max < initial) out.push_back({"max", "must not be less than initial"});
  if (!(multiplier >= 1.0)) out.push_back({"multiplier", "must be at least 1"});
  if (!(jitter >= 0.0 && jitter <= 1.0)) out.push_back({"jitter", "must be between 0 and 1"});
  return out;
}

Backoff::Backoff(Config config, std::uint64_t seed) : config_(config), rng_(seed) {
  if (auto problems = config_.validate(); !problems.empty()) {
    throw std::invalid_argument("backoff: " + problems.front().field + " " + problems.front().message);
  }
}

std::chrono::milliseconds Backoff::next() {
  // initial * multiplier^attempt, computed in floating point and capped before
  // converting back, so a long outage cannot overflow.
  const double base = static_cast<double>(config_.initial.count()) *
                      std::pow(config_.multiplier, static_cast<double>(attempt_));
  const double capped = std::min(base, static_cast<double>(config_.max.count()));
  if (attempt_ < 64) ++attempt_;
  std::uniform_real_distribution<double> take_off(0.0, config_.jitter);
  const double delay = capped * (1.0 - take_off(rng_));
  return std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(delay)));
}

}  // namespace raven::backoff
