// raven::service::crash_points — the test-only hook that kills Raven at a
// named step of the reply protocol, to prove the journal's recovery.
//
// Why: "never answers twice, never loses a message" must hold when the
// process dies at the worst moment (issue 4). Tests set
// RAVEN_CRASH_AT=<point>[:<n>] and the n-th time (default the first) any
// answer worker reaches <point>, the process sends itself SIGKILL: no
// destructors, no flush, exactly like `kill -9` or the OOM killer.
// Points: after_sending_recorded, after_smtp_accepted, after_sent_copy,
// after_sent_recorded (see answer/worker.hpp).
//
// Compiled into test builds only: without the RAVEN_CRASH_POINTS compile
// definition (CMake option RAVEN_CRASH_POINTS, on with RAVEN_TESTS) the
// environment is not read and the returned function is empty.
#pragma once

#include <functional>
#include <string_view>

#include "log/log.hpp"

namespace raven::service {

// Reads RAVEN_CRASH_AT once (call from the main thread, before workers
// start). Logs a warning when armed, and an error for an unknown point (then
// returns an empty function). The returned function is thread-safe.
std::function<void(std::string_view)> crash_points_from_environment(const log::Logger& logger);

}  // namespace raven::service
