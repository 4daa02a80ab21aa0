// Worker::skip / fail / retry / wait_for_retry — how a message ends when it is
// not answered now, recorded in the journal before the flags are set (so a
// crash in between is finished by resume()).
#include <algorithm>
#include <cmath>

#include "answer/flags.hpp"
#include "answer/worker.hpp"

namespace raven::answer {

// Sets flags; after a sent reply this must not fail silently: one reconnect
// and retry, then the error propagates (the journal prevents a resend).
void Worker::flag(imap::Uid uid, const std::vector<std::string>& flags, std::stop_token abort) {
  try {
    imap_session(abort).uid_store_add_flags({uid}, flags);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::transient) throw;
    imap_.reset();
    imap_session(abort).uid_store_add_flags({uid}, flags);
  }
}

Outcome Worker::skip(imap::Uid uid, std::string_view reason, const message::Request* request) {
  log_.info("skipped", {{"uid", uid},
                        {"reason", reason},
                        {"from", request ? request->from.address : std::string()},
                        {"next", "marking \\Seen " + config_.skipped_keyword}});
  if (key_) {
    record_if_new();
    deps_.journal.transition(*key_, {store::State::seen, store::State::answering}, store::State::skipped,
                             {.reason = std::string(reason), .clear_next_attempt = true});
  }
  flag(uid, {"\\Seen", config_.skipped_keyword}, {});
  return Outcome::skipped;
}

Outcome Worker::fail(imap::Uid uid, std::string_view reason, ErrorKind kind) {
  log_.error("cannot answer", {{"uid", uid},
                               {"error", reason},
                               {"kind", to_string(kind)},
                               {"next", "marking \\Seen " + config_.failed_keyword}});
  try {
    if (key_) {
      record_if_new();
      deps_.journal.record_failure(*key_, kind, std::string(reason), std::nullopt);
      // Not from sent: that reply is out, only its flags are missing.
      deps_.journal.transition(*key_, {store::State::seen, store::State::answering, store::State::sending},
                               store::State::failed, {.reason = std::string(reason), .clear_next_attempt = true});
    }
    flag(uid, {"\\Seen", config_.failed_keyword}, {});
  } catch (const Error& e) {
    log_.error("flags not set", {{"uid", uid}, {"error", e.what()}, {"next", "the message will be tried again"}});
  }
  return Outcome::failed;
}

Outcome Worker::retry(imap::Uid uid, const Error& error) {
  if (imap_ && !imap_->usable()) imap_.reset();
  std::optional<store::Record> record;
  try {
    if (key_) {
      record_if_new();
      record = deps_.journal.get(*key_);
    }
  } catch (const Error& e) {
    log_.warn("journal not readable", {{"uid", uid}, {"error", e.what()}});
  }
  // The journal's count survives restarts; without a row (the failure came
  // before the message was known) the in-memory count stands in.
  const std::int64_t done = (record ? record->attempts : deps_.retries.attempts(uid)) + 1;
  // A sent reply whose flags failed is never given up: it is not a failure.
  const bool reply_out = record && record->state == store::State::sent;
  if (!reply_out && done >= config_.max_attempts) {
    return fail(uid, std::string(error.what()) + " (after " + std::to_string(done) + " attempts)", ErrorKind::transient);
  }
  // retry_initial doubling per attempt, capped at retry_max.
  const double factor = std::pow(2.0, static_cast<double>(std::min<std::int64_t>(done - 1, 62)));
  const double ms = std::min(static_cast<double>(config_.retry_initial.count()) * factor,
                             static_cast<double>(config_.retry_max.count()));
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  deps_.retries.record_failure(uid, deps_.clock.now() + delay);
  try {
    if (record) {
      deps_.journal.record_failure(*key_, ErrorKind::transient, error.what(), deps_.wall_clock() + delay.count());
      deps_.journal.transition(*key_, {store::State::answering}, store::State::seen);
    }
  } catch (const Error& e) {
    log_.warn("journal not updated", {{"uid", uid}, {"error", e.what()}});
  }
  log_.warn("answer failed", {{"uid", uid},
                              {"error", error.what()},
                              {"kind", "transient"},
                              {"attempt", done},
                              {"next", "retrying in " + log::Field::format_duration(delay)}});
  return Outcome::retry_later;
}

// Dispatched before its next attempt (intake's in-memory schedule was empty
// after a restart): remember the time so intake waits for it.
Outcome Worker::wait_for_retry(imap::Uid uid, std::int64_t next_attempt_ms) {
  const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(0, next_attempt_ms - deps_.wall_clock()));
  deps_.retries.schedule(uid, deps_.clock.now() + wait);
  log_.debug("waiting for retry", {{"uid", uid}, {"in", wait}});
  return Outcome::waiting;
}

}  // namespace raven::answer
