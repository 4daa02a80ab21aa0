// raven::service::watch — runs the intake worker alone and reports what it finds.
//
// This is `raven watch`: the first half of the system (DESIGN.md "Data flow"),
// wired exactly as `raven run` will wire it, with a consumer that only reports
// each dispatched message instead of answering it. It changes nothing on the
// server (SEARCH and IDLE only; no flags are set), so an operator can point it
// at a real mailbox to see which messages Raven would pick up.
//
// service is the only place where objects are built and connected (DESIGN.md).
#pragma once

#include <functional>
#include <stop_token>

#include "config/config.hpp"
#include "imap/session.hpp"
#include "log/log.hpp"

namespace raven::service {

// Called on a consumer thread for each dispatched UID. The UID stays owned
// (the tracker holds it) so it is reported once per run.
using OnMessage = std::function<void(imap::Uid)>;

// Blocks until `stop` is requested (returns 0) or intake fails fatally at
// start-up (logs the reason, returns 1).
int watch(const config::Config& config, const log::Logger& logger, std::stop_token stop, OnMessage on_message);

}  // namespace raven::service
