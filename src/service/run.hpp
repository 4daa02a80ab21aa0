// raven::service::run — the daemon: intake plus N answer workers, wired.
//
// This is `raven run`. It builds every object (DESIGN.md: service is the only
// place where objects are built and connected), starts the intake thread and
// answer.workers answer threads, and owns their lifetime:
//  - SIGINT/SIGTERM (the `stop` token): intake stops at once; workers take no
//    new message and finish the one in hand, for at most
//    answer.shutdown_timeout, after which their connections are cancelled
//    (the message stays unseen and is answered after a restart).
//  - a fatal error (intake cannot log in, SMTP rejects our credentials or
//    certificate): logged, everything stops, exit status 1.
#pragma once

#include <stop_token>

#include "config/config.hpp"
#include "log/log.hpp"

namespace raven::service {

// Requires config.answer, config.llm (and config.smtp in send mode).
// Blocks until stopped. Returns the process exit status: 0 after a requested
// stop, 1 after a fatal error.
int run(const config::Config& config, const log::Logger& logger, std::stop_source stop);

}  // namespace raven::service
