// raven::intake::Config — how the intake worker learns about new mail.
#pragma once

#include <chrono>
#include <string_view>

#include "common/problem.hpp"

namespace raven::intake {

enum class Mode { idle, poll };

struct Config {
  Mode mode = Mode::idle;
  // Poll mode: time between checks. Required (non-zero) in poll mode only
  // (DESIGN.md difference 1). Also used when an IDLE-less server forces polling;
  // then 0 means the default of one minute.
  std::chrono::milliseconds poll_interval{0};
  // Re-issue IDLE at least this often (RFC 2177 §3: servers may drop a client
  // idle 30 minutes; the RFC advises re-issuing within 29).
  std::chrono::milliseconds idle_refresh{std::chrono::minutes(25)};

  Problems validate() const;
};

std::string_view to_string(Mode mode) noexcept;

}  // namespace raven::intake
