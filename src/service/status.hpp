// raven::service::status — the operator's view of the journal.
//
// This is `raven status`: where every message Raven handled stands, read from
// the journal (store::Journal) without connecting to any server, so it works
// while the daemon runs (WAL: a reader never blocks the writer), after it
// stopped, or on a machine where the mail servers are unreachable. It prints
//  - how many messages are in each state, and the total;
//  - the messages waiting for a retry: when, and the last error;
//  - the last ten failures;
//  - the messages skipped as uncertain (a crash during SMTP left it unknown
//    whether the reply went out): the operator must check those by hand.
// Text is aligned for an 80-column terminal, without colour; --json prints the
// same data as one object for scripts. Text from the journal (errors, reasons,
// Message-IDs came from servers and mail) has its control characters replaced,
// so it cannot move the cursor or rewrite the operator's terminal.
//
// The config is needed only for state.path: load it with
// LoadOptions::resolve_secrets false, so that status never runs a
// password_command.
#pragma once

#include <cstdint>
#include <ostream>

#include "config/config.hpp"

namespace raven::service {

enum class StatusFormat { text, json };

// Exit statuses of status().
inline constexpr int kStatusOk = 0;
inline constexpr int kStatusUnreadable = 1;

// Prints the journal at config.state.path to `out` in `format`, as of `now_ms`
// (Unix milliseconds, injected so tests are deterministic), and returns
// kStatusOk. A journal that does not exist yet is reported as such on `out`
// (kStatusOk) and is not created. A journal that cannot be read (not a
// database, a newer schema, no permission) is one line on `err` and
// kStatusUnreadable; nothing goes to `out` then.
//
// Opens the journal read-only: takes no write lock and never migrates, so it
// is safe beside a running `raven run`. An older schema is read as it is (or
// reported with its version and "raven run upgrades it"). Blocks on disk I/O
// only. Call from the main thread.
int status(const config::Config& config, std::ostream& out, std::ostream& err, StatusFormat format,
           std::int64_t now_ms);

}  // namespace raven::service
