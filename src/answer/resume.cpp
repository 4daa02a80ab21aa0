// Worker::resume — a message the journal already knows: finish what a crash,
// a restart or a failed STORE left undone, without ever sending twice.
#include "answer/flags.hpp"
#include "answer/worker.hpp"

namespace raven::answer {

// nullopt: carry on answering (state seen or answering, or resend chosen).
std::optional<Outcome> Worker::resume(const store::Record& record, bool seen_flag, std::stop_token abort) {
  const imap::Uid uid = record.key.uid;
  using store::State;
  switch (record.state) {
    case State::seen:
    case State::answering: return std::nullopt;
    case State::sent:
      // Sent before a crash or a failed STORE: the flags are all that is missing.
      log_.info("already sent", {{"uid", uid}, {"reply_id", record.reply_message_id.value_or("")}, {"next", "flagging only"}});
      return finish(uid, abort);
    case State::sending: return settle_uncertain(record, abort);
    case State::done:
      if (!seen_flag) flag(uid, kAnsweredFlags, abort);
      return Outcome::answered;
    case State::skipped:
      if (!seen_flag) flag(uid, {"\\Seen", config_.skipped_keyword}, abort);
      return Outcome::skipped;
    case State::failed:
      if (!seen_flag) flag(uid, {"\\Seen", config_.failed_keyword}, abort);
      return Outcome::failed;
  }
  return std::nullopt;
}

// State sending: Raven stopped between recording `sending` and recording
// `sent`, so nobody knows whether the server took the reply.
std::optional<Outcome> Worker::settle_uncertain(const store::Record& record, std::stop_token abort) {
  if (is_notice(record)) return settle_notice(record);  // never resent, never "answered" (notice.cpp)
  const imap::Uid uid = record.key.uid;
  const std::string reply_id = record.reply_message_id.value_or("");
  if (!reply_id.empty() && reply_in_copies(reply_id, abort)) {
    log_.info("reply found in copies", {{"uid", uid}, {"reply_id", reply_id}, {"next", "it was sent; flagging only"}});
    deps_.journal.transition(*key_, {store::State::sending}, store::State::sent);
    return finish(uid, abort);
  }
  if (config_.on_uncertain == OnUncertain::skip) {
    log_.warn("reply may or may not have been sent", {{"uid", uid},
                                                      {"message_id", record.message_id},
                                                      {"reply_id", reply_id},
                                                      {"next", "not resending (answer.on_uncertain: skip); marking \\Seen " +
                                                                   config_.skipped_keyword}});
    deps_.journal.transition(*key_, {store::State::sending}, store::State::skipped,
                             {.reason = std::string(store::kUncertainReason) +
                                        ": Raven stopped while sending the reply; answer.on_uncertain is skip",
                              .clear_next_attempt = true});
    flag(uid, {"\\Seen", config_.skipped_keyword}, abort);
    return Outcome::skipped;
  }
  log_.warn("reply may or may not have been sent", {{"uid", uid},
                                                    {"message_id", record.message_id},
                                                    {"reply_id", reply_id},
                                                    {"next", "sending again (answer.on_uncertain: resend)"}});
  deps_.journal.transition(*key_, {store::State::sending}, store::State::seen);
  return std::nullopt;
}

// Looks for the reply's Message-ID in sent_mailbox (drafts_mailbox in draft
// mode) with EXAMINE + UID SEARCH HEADER, then selects the watched mailbox
// again. False when there is no such mailbox or nothing matches.
bool Worker::reply_in_copies(const std::string& reply_message_id, std::stop_token abort) {
  const std::string& mailbox = config_.mode == Mode::send ? config_.sent_mailbox : config_.drafts_mailbox;
  if (mailbox.empty()) return false;
  imap::Session& imap = imap_session(abort);
  bool found = false;
  try {
    imap.examine(mailbox);
    imap::SearchQuery query;
    query.unseen = false;
    query.headers = {{"Message-ID", reply_message_id}};
    found = !imap.uid_search(query).empty();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::transient) throw;
    log_.warn("cannot look for the reply", {{"mailbox", mailbox}, {"error", e.what()}});
  }
  const imap::MailboxStatus status = imap.select(imap_config_.mailbox);
  if (status.uidvalidity != uidvalidity_) {
    imap_.reset();
    throw Error(ErrorKind::transient, "imap: UIDVALIDITY of " + imap_config_.mailbox + " changed");
  }
  return found;
}

// The same Message-ID was answered (or may have been) under another key.
Outcome Worker::duplicate(imap::Uid uid, const store::Record& original) {
  const bool answered = original.state == store::State::sent || original.state == store::State::done;
  log_.info("already answered", {{"uid", uid},
                                 {"message_id", original.message_id},
                                 {"as", describe(original.key)},
                                 {"next", "not answering again"}});
  record_if_new();
  deps_.journal.transition(*key_, {store::State::seen, store::State::answering}, store::State::skipped,
                           {.reason = "duplicate: Message-ID already answered as " + describe(original.key),
                            .clear_next_attempt = true});
  if (answered) {
    flag(uid, kAnsweredFlags, {});
  } else {
    flag(uid, {"\\Seen", config_.skipped_keyword}, {});
  }
  return Outcome::skipped;
}

}  // namespace raven::answer
