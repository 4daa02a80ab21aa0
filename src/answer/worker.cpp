#include "answer/worker.hpp"

#include <algorithm>
#include <cmath>

#include "answer/user_turn.hpp"
#include "message/address.hpp"
#include "message/compose.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"
#include "message/text_part.hpp"

namespace raven::answer {
namespace {

const std::vector<std::string> kAnsweredFlags{"\\Seen", "\\Answered"};

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) {
    return f.size() == flag.size() &&
           std::equal(f.begin(), f.end(), flag.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  });
}

// Gmail saves every message sent through its SMTP server in [Gmail]/Sent Mail
// by itself; an APPEND would make a second copy.
bool is_gmail(const imap::Session& session) { return session.has_capability("X-GM-EXT-1"); }

}  // namespace

bool AnsweredMemo::contains(const std::string& message_id) const {
  std::lock_guard lock(m_);
  return ids_.count(message_id) != 0;
}

void AnsweredMemo::add(const std::string& message_id) {
  std::lock_guard lock(m_);
  ids_.insert(message_id);
}

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::answered: return "answered";
    case Outcome::skipped: return "skipped";
    case Outcome::retry_later: return "retry_later";
    case Outcome::failed: return "failed";
    case Outcome::fatal: return "fatal";
    case Outcome::gone: return "gone";
  }
  return "unknown";
}

Worker::Worker(Config config, imap::Config imap_config, llm::Config llm_config,
               std::optional<smtp::Config> smtp_config, Dependencies deps, unsigned id)
    : config_(std::move(config)),
      imap_config_(std::move(imap_config)),
      deps_(std::move(deps)),
      log_(deps_.logger.with({{"component", "answer"}, {"worker", id}})),
      llm_(std::move(llm_config), log_, deps_.clock) {
  // answer.from does not change: find its domain once, not per message.
  if (auto from = message::parse_address(config_.from)) {
    if (auto at = from->address.rfind('@'); at != std::string::npos) reply_domain_ = from->address.substr(at + 1);
  }
  if (config_.mode == Mode::send) {
    if (!smtp_config) throw Error(ErrorKind::fatal, "answer: mode send needs an smtp section");
    smtp_.emplace(std::move(*smtp_config), log_);
  }
}

void Worker::run(std::stop_token stop, std::stop_token abort) {
  while (auto uid = deps_.queue.pop(stop)) {
    Outcome outcome = process(*uid, abort);
    if (outcome == Outcome::fatal) break;
  }
  imap_.reset();
}

imap::Session& Worker::imap_session(std::stop_token abort) {
  if (imap_ && !imap_->usable()) imap_.reset();
  if (!imap_) {
    imap::Session s = imap::Session::connect(imap_config_, abort);
    s.select(imap_config_.mailbox);
    imap_.emplace(std::move(s));
  }
  return *imap_;
}

Outcome Worker::process(imap::Uid uid, std::stop_token abort) {
  Outcome outcome = Outcome::failed;
  try {
    outcome = handle(uid, abort);
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::transient: outcome = retry(uid, e); break;
      case ErrorKind::permanent: outcome = fail(uid, e.what(), e.kind()); break;
      case ErrorKind::fatal:
        log_.error("cannot answer", {{"uid", uid}, {"error", e.what()}, {"kind", "fatal"}, {"next", "stopping"}});
        if (deps_.on_fatal) deps_.on_fatal(e);
        outcome = Outcome::fatal;
        break;
    }
  }
  if (outcome != Outcome::retry_later) deps_.retries.forget(uid);
  deps_.tracker.release(uid);
  return outcome;
}

Outcome Worker::handle(imap::Uid uid, std::stop_token abort) {
  const auto started = deps_.clock.now();
  imap::Session& imap = imap_session(abort);

  imap::FetchItems first;
  first.flags = first.size = first.bodystructure = first.header = true;
  auto fetched = imap.uid_fetch({uid}, first);
  if (fetched.empty()) {
    log_.info("message gone", {{"uid", uid}, {"next", "nothing to do"}});
    return Outcome::gone;
  }
  imap::FetchedMessage& msg = fetched.front();
  if (has_flag(msg.flags, "\\Seen")) {
    // Read (or handled) since it was dispatched: someone else has it.
    log_.info("already seen", {{"uid", uid}, {"next", "not answering"}});
    return Outcome::skipped;
  }

  message::Limits limits;
  limits.max_text_bytes = config_.max_text;
  if (msg.bodystructure) {
    auto choice = message::choose_text_part(*msg.bodystructure, limits);
    if (choice.text) {
      imap::FetchItems text;
      text.sections.push_back({choice.text->section, choice.text->fetch_bytes});
      auto body = imap.uid_fetch({uid}, text);
      if (!body.empty()) {
        for (auto& [section, bytes] : body.front().sections) msg.sections[section] = std::move(bytes);
      }
    }
  }
  message::Request request = message::parse_fetched(msg, limits);

  // Who may ask: the exact allow-list on parsed addresses (the SEARCH was only
  // a substring pre-filter), and a reply must never go to a stranger.
  if (request.from.empty() || !deps_.filter.allows(request.from.address)) {
    return skip(uid, "sender not allowed", &request);
  }
  for (const auto& rt : request.reply_to) {
    if (!deps_.filter.allows(rt.address)) return skip(uid, "reply-to not allowed", &request);
  }
  if (!request.has_text()) return skip(uid, "no text: " + request.reason, &request);
  if (!request.message_id.empty() && deps_.answered.contains(request.message_id)) {
    // Sent earlier by this process; only the flags are missing.
    flag(uid, kAnsweredFlags, abort);
    log_.info("already answered", {{"uid", uid}, {"next", "flagged only"}});
    return Outcome::answered;
  }

  auto chat = llm_.complete(llm::make_request(llm_.config(), render_user_turn(request)), abort);
  if (chat.content.empty()) {
    throw Error(ErrorKind::permanent, "llm: empty answer (finish_reason " + chat.finish_reason + ")");
  }

  message::ReplyOptions options;
  options.from = config_.from;
  options.quote_original = config_.quote_original;
  // The same original always gets the same reply Message-ID, so a second
  // attempt is recognisable (issue 4 builds on this).
  if (!request.message_id.empty() && !reply_domain_.empty()) {
    options.message_id = message::derive_reply_message_id(request.message_id, reply_domain_);
  }
  message::Reply reply = message::compose_reply(request, options, chat.content);

  if (config_.mode == Mode::send) {
    auto result = smtp_->submit("", reply.recipients, reply.data, abort);
    if (!result) throw Error(result.kind, result.error);
    for (const auto& r : result.rejected) {
      log_.warn("recipient refused", {{"uid", uid}, {"recipient", r.address}, {"code", r.code}, {"reply", r.reply}});
    }
    if (!request.message_id.empty()) deps_.answered.add(request.message_id);
    if (!config_.sent_mailbox.empty() && !is_gmail(imap)) {
      try {
        imap.append(config_.sent_mailbox, reply.data, {"\\Seen"});
      } catch (const Error& e) {
        // The reply is out; a missing copy must not make us send it again.
        log_.warn("sent copy not saved", {{"uid", uid}, {"mailbox", config_.sent_mailbox}, {"error", e.what()}});
      }
    }
  } else {
    imap.append(config_.drafts_mailbox, reply.data, {"\\Draft", "\\Seen"});
    if (!request.message_id.empty()) deps_.answered.add(request.message_id);
  }

  flag(uid, kAnsweredFlags, abort);
  log_.info("answered", {{"uid", uid},
                         {"mode", to_string(config_.mode)},
                         {"reply_id", reply.message_id},
                         {"tokens", chat.usage.total_tokens},
                         {"duration", std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.now() - started)}});
  return Outcome::answered;
}

// Sets flags; after a sent reply this must not fail silently: one reconnect
// and retry, then the error propagates (the memo prevents a resend).
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
  flag(uid, {"\\Seen", config_.skipped_keyword}, {});
  return Outcome::skipped;
}

Outcome Worker::fail(imap::Uid uid, std::string_view reason, ErrorKind kind) {
  log_.error("cannot answer", {{"uid", uid},
                               {"error", reason},
                               {"kind", to_string(kind)},
                               {"next", "marking \\Seen " + config_.failed_keyword}});
  try {
    flag(uid, {"\\Seen", config_.failed_keyword}, {});
  } catch (const Error& e) {
    log_.error("flags not set", {{"uid", uid}, {"error", e.what()}, {"next", "the message will be tried again"}});
  }
  return Outcome::failed;
}

Outcome Worker::retry(imap::Uid uid, const Error& error) {
  if (imap_ && !imap_->usable()) imap_.reset();
  const unsigned done = deps_.retries.attempts(uid) + 1;
  if (done >= config_.max_attempts) {
    return fail(uid, std::string(error.what()) + " (after " + std::to_string(done) + " attempts)", ErrorKind::transient);
  }
  // retry_initial doubling per attempt, capped at retry_max.
  const double factor = std::pow(2.0, static_cast<double>(done - 1));
  const double ms = std::min(static_cast<double>(config_.retry_initial.count()) * factor,
                             static_cast<double>(config_.retry_max.count()));
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  deps_.retries.record_failure(uid, deps_.clock.now() + delay);
  log_.warn("answer failed", {{"uid", uid},
                              {"error", error.what()},
                              {"kind", "transient"},
                              {"attempt", done},
                              {"next", "retrying in " + log::Field::format_duration(delay)}});
  return Outcome::retry_later;
}

}  // namespace raven::answer
