// Worker::deliver — the one step that cannot be undone: the reply leaves.
// Called in journal state `sending`. On a normal return the reply is out
// (SMTP 250, or the draft is stored) and the caller records `sent`. When the
// reply certainly did not go out, the state goes back to `seen` before the
// error is rethrown (so a retry may send it); when nobody can know (the
// connection broke after the data was sent), answer.on_uncertain decides.
#include "answer/flags.hpp"
#include "answer/worker.hpp"

namespace raven::answer {
namespace {

// Gmail saves every message sent through its SMTP server in [Gmail]/Sent Mail
// by itself; an APPEND would make a second copy.
bool is_gmail(const imap::Session& session) { return session.has_capability("X-GM-EXT-1"); }

}  // namespace

std::optional<Outcome> Worker::deliver(imap::Uid uid, const message::Reply& reply, std::stop_token abort) {
  if (config_.mode == Mode::draft) {
    try {
      imap_session(abort).append(config_.drafts_mailbox, reply.data, {"\\Draft", "\\Seen"});
    } catch (const Error&) {
      deps_.journal.transition(*key_, {store::State::sending}, store::State::seen);
      throw;
    }
    return std::nullopt;
  }

  auto result = smtp_->submit("", reply.recipients, reply.data, abort);
  if (!result) {
    if (result.outcome_unknown) {
      // The server may have taken it: the same decision as after a crash.
      log_.warn("smtp outcome unknown", {{"uid", uid}, {"error", result.error}});
      store::Record record = deps_.journal.get(*key_).value_or(store::Record{});
      record.key = *key_;
      record.reply_message_id = reply.message_id;
      if (auto outcome = settle_uncertain(record, abort)) return outcome;
      // resend: the state is seen again; a retry sends it later.
      throw Error(ErrorKind::transient, result.error);
    }
    // Certainly not sent (refused, or no connection): free to try again.
    if (result.kind != ErrorKind::permanent) {
      deps_.journal.transition(*key_, {store::State::sending}, store::State::seen);
    }
    throw Error(result.kind, result.error);
  }
  for (const auto& r : result.rejected) {
    log_.warn("recipient refused", {{"uid", uid}, {"recipient", r.address}, {"code", r.code}, {"reply", r.reply}});
  }
  steps_.mark("smtp", deps_.clock.now());
  crash_point("after_smtp_accepted");
  if (!config_.sent_mailbox.empty()) {
    try {
      imap::Session& imap = imap_session(abort);
      if (!is_gmail(imap)) imap.append(config_.sent_mailbox, reply.data, {"\\Seen"});
    } catch (const Error& e) {
      // The reply is out; a missing copy must not make us send it again.
      log_.warn("sent copy not saved", {{"uid", uid}, {"mailbox", config_.sent_mailbox}, {"error", e.what()}});
    }
  }
  steps_.mark("sent_copy", deps_.clock.now());
  crash_point("after_sent_copy");
  return std::nullopt;
}

}  // namespace raven::answer
