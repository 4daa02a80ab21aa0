// Worker::over_budget — a message over a budget (policy.limits) is skipped;
// with policy.limits.notice set, its sender gets the fixed notice instead,
// at most once per UTC day, without any LLM call.
//
// The notice is a reply like the LLM's (compose_reply: threading headers,
// Auto-Submitted: auto-replied, X-Auto-Response-Suppress) and leaves through
// deliver(), so it is journaled like one:
//   seen → answering, with the skip reason (so a recovery can say why)
//        → claim_notice(sender, day): taken already → skipped, no notice
//        → sending, with the notice's Message-ID (begin_sending: it now
//          counts against the reply budgets, and reply_sent_at() knows it,
//          so an automaton answering it within a minute is `fast-reply`)
//        → deliver → skipped ("… The notice went out as <id>.").
// It never loops: it is sent only when a budget is already reached, once per
// sender per day across restarts and processes (the claim comes first and
// is durable), and it carries Auto-Submitted. It is never sent twice: a
// failure to send it is not retried (the claim is used up: at most once,
// not at least once), and a crash or an unknown SMTP outcome while it was in
// `sending` ends in skipped, whatever answer.on_uncertain says
// (settle_notice), never in a resend.
#include <string>

#include "answer/flags.hpp"
#include "answer/worker.hpp"
#include "message/compose.hpp"
#include "message/message_id.hpp"
#include "policy/budget.hpp"

namespace raven::answer {

// Derived, like a reply's, so that a recovery can tell a notice's row from a
// reply's (is_notice) without a column of its own; from the key as well as
// the original's id, so it differs from the reply the same message would get
// and from the notice to another copy of it (another UID).
std::string Worker::notice_message_id(const store::Key& key, const std::string& message_id) const {
  const std::string domain = reply_domain_.empty() ? "raven.invalid" : reply_domain_;
  const std::string original = message::clean_message_id(message_id);
  // Only msg-id characters (derive_reply_message_id accepts nothing else),
  // and short whatever the original's length: its derived reply id.
  const std::string seed =
      "notice." + std::to_string(key.uidvalidity) + "." + std::to_string(key.uid) + "." +
      (original.empty() ? std::string("none") : message::derive_reply_message_id(original, domain));
  return message::derive_reply_message_id(seed, domain);
}

bool Worker::is_notice(const store::Record& record) const {
  return record.reply_message_id &&
         *record.reply_message_id == notice_message_id(record.key, record.message_id);
}

Outcome Worker::over_budget(imap::Uid uid, const message::Request& request, const policy::Decision& decision,
                            std::int64_t now_ms, std::stop_token abort) {
  const std::string reason = decision.code + ": " + decision.sentence;
  // The notice counts against the budgets like a reply: its row needs the origin.
  if (unrecorded_) {
    record_if_new();
  } else {
    deps_.journal.set_origin(*key_, origin_.sender, origin_.thread);
  }
  const std::string& text = deps_.policy->limits.notice;
  if (text.empty()) return skip(uid, reason, &request);

  message::Reply notice;
  try {
    message::ReplyOptions options;
    options.from = config_.from;
    options.quote_original = false;
    options.message_id = notice_message_id(*key_, request.message_id);
    notice = message::compose_reply(request, options, text);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::fatal) throw;
    return skip(uid, reason + " No notice could be written: " + e.what(), &request);
  }

  // The result is not checked, as on the LLM path: a row met again after a
  // crash is in answering already, and begin_sending decides who owns it.
  deps_.journal.transition(*key_, {store::State::seen}, store::State::answering, {.reason = reason});
  const std::string sender = policy::sender_key(request);
  if (!deps_.journal.claim_notice(sender, policy::utc_day(now_ms))) {
    return end_notice(uid, reason + " The notice already went to this sender today.", &request);
  }
  const store::SendClaim claim =
      deps_.journal.begin_sending(*key_, {store::State::answering}, notice.message_id);
  if (!claim.claimed) {
    if (claim.answered_as) return duplicate(uid, *claim.answered_as);
    log_.info("taken by another worker", {{"uid", uid}, {"next", "nothing to do"}});
    return Outcome::skipped;
  }
  try {
    if (auto outcome = deliver(uid, notice, abort)) return *outcome;  // settled as uncertain: settle_notice
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::fatal) throw;
    log_.warn("notice not sent", {{"uid", uid},
                                  {"to", sender},
                                  {"error", e.what()},
                                  {"kind", to_string(e.kind())},
                                  {"next", "skipping the message; no notice to this sender today"}});
    return end_notice(
        uid, reason + " The notice could not be sent (" + e.what() + ") and is not tried again today.",
        &request);
  }
  log_.info("notice sent", {{"uid", uid},
                            {"to", sender},
                            {"reason", decision.code},
                            {"mode", to_string(config_.mode)},
                            {"notice_id", notice.message_id}});
  const std::string how =
      config_.mode == Mode::draft ? " The notice was stored as a draft, <" : " The notice went out as <";
  return end_notice(uid, reason + how + notice.message_id + ">.", &request);
}

// A notice in state sending met again (after a crash), or whose SMTP outcome
// is unknown: it may have gone out, and a notice is never sent twice.
Outcome Worker::settle_notice(const store::Record& record) {
  const std::string reply_id = record.reply_message_id.value_or("");
  log_.warn("notice may or may not have been sent",
            {{"uid", record.key.uid}, {"notice_id", reply_id}, {"next", "not sending it again"}});
  return end_notice(record.key.uid,
                    record.reason.value_or("over budget.") +
                        " Raven was interrupted while sending the notice <" + reply_id +
                        ">; it may or may not have gone out and is not sent again.",
                    nullptr);
}

// Ends a message that was over budget: skipped, from whichever state the
// notice reached (deliver() moves a notice that certainly failed back to seen).
Outcome Worker::end_notice(imap::Uid uid, const std::string& reason, const message::Request* request) {
  log_.info("skipped", {{"uid", uid},
                        {"reason", reason},
                        {"from", request ? request->from.address : std::string()},
                        {"next", "marking \\Seen " + config_.skipped_keyword}});
  deps_.journal.transition(*key_, {store::State::seen, store::State::answering, store::State::sending},
                           store::State::skipped, {.reason = reason, .clear_next_attempt = true});
  flag(uid, {"\\Seen", config_.skipped_keyword}, {});
  return Outcome::skipped;
}

}  // namespace raven::answer
