// raven::answer::Config — how the answer workers reply (the `answer:` section).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/problem.hpp"

namespace raven::answer {

enum class Mode {
  send,   // SMTP, then APPEND a copy to sent_mailbox
  draft,  // APPEND to drafts_mailbox with \Draft; nothing is sent, a person reviews
};

enum class OnUncertain { skip, resend };

struct Config {
  unsigned workers = 4;        // answer worker threads, each with its own IMAP/SMTP/HTTP connections
  std::size_t queue = 16;      // the intake → worker queue's capacity
  std::string from;            // "Raven <raven@example.com>": the reply's From
  Mode mode = Mode::send;
  std::string sent_mailbox = "Sent";  // "" disables the copy; skipped on Gmail, which copies by itself
  std::string drafts_mailbox = "Drafts";
  bool quote_original = true;
  std::size_t max_text = 64 * 1024;  // bytes of body text fetched and given to the model

  // Per-message retry after a transient failure: initial, doubling, capped
  // (issue 4's defaults), at most max_attempts attempts in all; then the
  // message is marked failed.
  std::chrono::milliseconds retry_initial{std::chrono::minutes(1)};
  std::chrono::milliseconds retry_max{std::chrono::hours(1)};
  unsigned max_attempts = 8;

  // A crash during SMTP leaves the outcome unknown (journal state sending).
  // skip: never risk a second reply; the message is marked skipped as
  // "uncertain" (listed by `raven status`). resend: send again, accepting a
  // possible duplicate. Either way a copy in sent_mailbox settles it first.
  OnUncertain on_uncertain = OnUncertain::skip;

  std::string failed_keyword = "$RavenFailed";    // with \Seen on a permanent failure
  std::string skipped_keyword = "$RavenSkipped";  // with \Seen when deliberately not answered
  // On SIGINT/SIGTERM, how long the message in hand may take to finish.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};

  // Fields relative to `answer:`. Never throws.
  Problems validate() const;
};

std::string_view to_string(Mode mode) noexcept;
std::string_view to_string(OnUncertain on_uncertain) noexcept;

}  // namespace raven::answer
