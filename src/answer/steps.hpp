// raven::answer::Steps — where the wall time of one message went.
//
// The worker marks the end of each step of the happy path (fetch, parse,
// journal, policy, llm, compose, claim, smtp, sent_copy, sent, flags, done);
// each mark records the time since the previous one. The `answered` debug
// line `answer steps` carries them as <step>_us=N, so an operator can see
// which server is slow, and bench/ breaks Raven's latency down with them.
// A name marked twice (journal: before and after the policy) is summed.
// Not thread-safe: one per worker.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "log/log.hpp"

namespace raven::answer {

class Steps {
 public:
  void start(Clock::time_point now) {
    steps_.clear();
    last_ = now;
  }

  void mark(std::string_view name, Clock::time_point now) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count();
    last_ = now;
    for (auto& [n, total] : steps_) {
      if (n == name) {
        total += us;
        return;
      }
    }
    steps_.emplace_back(std::string(name), us);
  }

  // <step>_us=N for each step, in the order first met, then total_us.
  std::vector<log::Field> fields() const {
    std::vector<log::Field> out;
    out.reserve(steps_.size() + 1);
    long long total = 0;
    for (const auto& [name, us] : steps_) {
      out.emplace_back(name + "_us", us);
      total += us;
    }
    out.emplace_back("total_us", total);
    return out;
  }

 private:
  std::vector<std::pair<std::string, long long>> steps_;
  Clock::time_point last_{};
};

}  // namespace raven::answer
