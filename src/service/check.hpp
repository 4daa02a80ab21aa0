// raven::service::check — `raven check`: why would Raven answer, or not
// answer, this message?
//
// Why: a mail robot that silently ignores mail is as bad as one that answers
// everything; the operator must be able to ask about one message and get the
// same decision the daemon makes (issue 6). check runs the daemon's
// policy::decide() on a message file with the config's policy and allow-list,
// and prints
//   line 1: exactly `answer` or `skip: <reason-code>` (for scripts);
//   line 2: the sentence that explains it;
//   then one `key: value` line each: the file and Message-ID, the rule that
//   decided, the evidence decide() gathered (envelope sender and where it came
//   from, From, Reply-To, the header that matched), the authentication
//   verdict (also when rule 3 did not run, marked so), and
//   `budgets: not checked (they depend on the journal)`.
// It connects to nothing and runs no password_command: load the config with
// LoadOptions::resolve_secrets false, as `raven status` does. Values from the
// message have control characters replaced, so nothing printed can drive the
// terminal.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace raven::service {

// Exit statuses of check(). A verdict, answer or skip, is success.
inline constexpr int kCheckVerdict = 0;
inline constexpr int kCheckUnreadable = 1;

// Reads the whole message file at `message_path` (at most
// message::Limits::max_message_bytes of it; the rest is ignored and a note
// says so), decides and prints as above on `out`; returns kCheckVerdict. A
// malformed message still gets a verdict (parse_message never fails; a note
// says what could not be read). A file that cannot be read (missing, a
// directory, no permission) is one line on `err`, nothing on `out`, and
// kCheckUnreadable.
// `envelope_from`: the SMTP MAIL FROM to assume ("" is the null sender <>);
// nullopt takes it from the message's Return-Path.
// Blocks on reading the file only. Call from the main thread.
int check(const config::Config& config, const std::string& message_path,
          const std::optional<std::string>& envelope_from, std::ostream& out, std::ostream& err);

// The same on a message already in memory; `name` is what the output calls
// it. Pure apart from writing to `out`. Never throws (except std::bad_alloc).
void check_message(const config::Config& config, std::string_view name, std::string_view message,
                   const std::optional<std::string>& envelope_from, std::ostream& out);

}  // namespace raven::service
