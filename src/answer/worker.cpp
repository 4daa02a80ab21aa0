// Worker: the session, the dispatch of one UID, and the happy path (see
// worker.hpp). Recovery is in resume.cpp, delivery in deliver.cpp, the ways a
// message ends otherwise (skip, fail, retry) in endings.cpp, the journal's
// part in the policy (fast replies, budgets, tokens) in budget.cpp and the
// over-budget notice in notice.cpp.
#include "answer/worker.hpp"

#include <algorithm>
#include <utility>

#include "answer/flags.hpp"
#include "message/address.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"
#include "message/text_part.hpp"
#include "policy/budget.hpp"
#include "tool/render.hpp"

namespace raven::answer {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::answered: return "answered";
    case Outcome::skipped: return "skipped";
    case Outcome::retry_later: return "retry_later";
    case Outcome::waiting: return "waiting";
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
    const imap::MailboxStatus status = s.select(imap_config_.mailbox);
    if (uidvalidity_ != 0 && status.uidvalidity != uidvalidity_) {
      // Every UID in hand may name another message now; the journal's
      // Message-IDs keep anything from being answered twice.
      log_.warn("mailbox UIDVALIDITY changed", {{"mailbox", imap_config_.mailbox},
                                                {"old", uidvalidity_},
                                                {"new", status.uidvalidity},
                                                {"next", "relying on Message-IDs"}});
    }
    uidvalidity_ = status.uidvalidity;
    known_below_ = status.uidnext;
    imap_.emplace(std::move(s));
  }
  return *imap_;
}

Outcome Worker::process(imap::Uid uid, std::stop_token abort) {
  Outcome outcome = Outcome::failed;
  key_.reset();
  unrecorded_.reset();
  uncounted_tokens_ = 0;
  steps_.start(deps_.clock.now());
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
  // The message ended before begin_sending could add its tokens.
  count_tokens(uid, std::exchange(uncounted_tokens_, 0));
  if (outcome != Outcome::retry_later && outcome != Outcome::waiting) deps_.retries.forget(uid);
  deps_.tracker.release(uid);
  return outcome;
}

Outcome Worker::handle(imap::Uid uid, std::stop_token abort) {
  imap::Session& imap = imap_session(abort);
  key_ = store::Key{imap_config_.mailbox, uidvalidity_, uid};
  std::optional<store::Record> record = deps_.journal.get(*key_);
  if (record && (record->state == store::State::seen || record->state == store::State::answering) &&
      record->next_attempt_ms && *record->next_attempt_ms > deps_.wall_clock()) {
    return wait_for_retry(uid, *record->next_attempt_ms);  // dispatched early (after a restart)
  }

  imap::FetchItems first;
  first.flags = first.size = first.bodystructure = first.header = true;
  // Most mail people write has its text in part 1 (a single part, or the
  // first of a multipart/alternative or /mixed): ask for it now, to save a
  // round trip, up to what the model may read. Used only if the BODYSTRUCTURE
  // says part 1 is the text to read and it came whole (see below).
  const auto speculative = static_cast<std::uint32_t>(std::min<std::size_t>(config_.max_text + 1024, 1u << 20));
  first.sections.push_back({"1", speculative});
  // This session may not know the UID yet: intake saw it arrive on its own
  // connection, and a server answers UID FETCH only for messages it has told
  // this session about. NOOP collects the pending EXISTS — first, for a UID
  // newer than any this session knows (one round trip instead of an empty
  // FETCH, the NOOP and the FETCH again), else only if the FETCH is empty.
  bool nooped = false;
  if (uid >= known_below_) {
    imap.noop();
    nooped = true;
  }
  auto fetched = imap.uid_fetch({uid}, first);
  if (fetched.empty() && !nooped) {
    imap.noop();
    fetched = imap.uid_fetch({uid}, first);
  }
  if (!fetched.empty()) known_below_ = std::max(known_below_, uid + 1);
  if (fetched.empty()) {
    log_.info("message gone", {{"uid", uid}, {"next", "nothing to do"}});
    if (record) {
      deps_.journal.transition(*key_, {store::State::seen, store::State::answering}, store::State::skipped,
                               {.reason = "gone: expunged before it was answered", .clear_next_attempt = true});
    }
    return Outcome::gone;
  }
  imap::FetchedMessage& msg = fetched.front();
  const bool seen_flag = has_flag(msg.flags, "\\Seen");
  if (record) {
    if (auto outcome = resume(*record, seen_flag, abort)) return *outcome;
  }

  message::Limits limits;
  limits.max_text_bytes = config_.max_text;
  std::optional<std::string> part_one;
  if (auto it = msg.sections.find("1"); it != msg.sections.end()) {
    part_one = std::move(it->second);
    msg.sections.erase(it);
  }
  if (msg.bodystructure) {
    auto choice = message::choose_text_part(*msg.bodystructure, limits);
    if (choice.text) {
      // Part 1 came whole (the server sent less than asked) or as much of it
      // as the exact request would get: no second FETCH.
      const bool have = choice.text->section == "1" && part_one &&
                        (part_one->size() < speculative || choice.text->fetch_bytes <= speculative);
      if (have) {
        if (part_one->size() > choice.text->fetch_bytes) part_one->resize(choice.text->fetch_bytes);
        msg.sections["1"] = std::move(*part_one);
      } else {
        imap::FetchItems text;
        text.sections.push_back({choice.text->section, choice.text->fetch_bytes});
        auto body = imap.uid_fetch({uid}, text);
        if (!body.empty()) {
          for (auto& [section, bytes] : body.front().sections) msg.sections[section] = std::move(bytes);
        }
      }
    }
  }
  steps_.mark("fetch", deps_.clock.now());
  const message::Request request = message::parse_fetched(msg, limits);
  steps_.mark("parse", deps_.clock.now());
  origin_ = {policy::sender_key(request), policy::thread_key(request)};
  if (!record) unrecorded_ = request.message_id;

  if (seen_flag) {
    // Read (or handled) since it was dispatched: someone else has it.
    log_.info("already seen", {{"uid", uid}, {"next", "not answering"}});
    record_if_new();
    deps_.journal.transition(*key_, {store::State::seen, store::State::answering}, store::State::skipped,
                             {.reason = "already \\Seen: read or handled elsewhere", .clear_next_attempt = true});
    return Outcome::skipped;
  }
  return answer(uid, request, abort);
}

Outcome Worker::answer(imap::Uid uid, const message::Request& request, std::stop_token abort) {
  const auto started = deps_.clock.now();
  // One reading of the wall clock for the fast-reply rule and the budgets' day.
  const std::int64_t now_ms = deps_.wall_clock();
  if (deps_.policy) {
    // Loops (RFC 3834), who may ask, authenticity — before any token is spent.
    // The envelope sender comes from the delivery's Return-Path.
    const policy::Decision decision =
        policy::decide(request, std::nullopt, *deps_.policy, deps_.filter, history_of(request, now_ms));
    if (!decision.answered()) return skip(uid, decision.code + ": " + decision.sentence, &request);
  } else {
    // Who may ask: the exact allow-list on parsed addresses (the SEARCH was
    // only a substring pre-filter), and a reply must never go to a stranger.
    if (request.from.empty() || !deps_.filter.allows(request.from.address)) {
      return skip(uid, "sender not allowed", &request);
    }
    for (const auto& rt : request.reply_to) {
      if (!deps_.filter.allows(rt.address)) return skip(uid, "reply-to not allowed", &request);
    }
  }
  if (!request.has_text()) return skip(uid, "no text: " + request.reason, &request);
  // Before spending tokens: answered already under another UID/UIDVALIDITY?
  // (begin_sending checks again atomically; this only saves the LLM call.)
  for (const store::Record& other : deps_.journal.find_by_message_id(request.message_id)) {
    if (other.key != *key_ && answered_or_maybe(other)) return duplicate(uid, other);
  }
  // Budgets (rule 4), after the duplicate check: a copy of an answered mail
  // is not over budget, it is answered already.
  if (auto outcome = within_budget(uid, request, now_ms, abort)) return *outcome;
  steps_.mark("policy", deps_.clock.now());
  // The result is not checked: begin_sending decides who owns the message.
  deps_.journal.begin_answering(*key_, request.message_id, origin_);
  unrecorded_.reset();
  steps_.mark("journal", deps_.clock.now());

  const llm::Conversation conversation = ask_llm(uid, request, abort);
  steps_.mark("llm", deps_.clock.now());
  const llm::ChatResponse& chat = conversation.response;
  if (chat.content.empty()) {
    throw Error(ErrorKind::permanent, "llm: empty answer (finish_reason " + chat.finish_reason + ")");
  }

  message::ReplyOptions options;
  options.from = config_.from;
  options.quote_original = config_.quote_original;
  // The same original always gets the same reply Message-ID, so a copy in
  // Sent proves that this reply went out.
  if (!request.message_id.empty() && !reply_domain_.empty()) {
    options.message_id = message::derive_reply_message_id(request.message_id, reply_domain_);
  }
  const message::Reply reply = message::compose_reply(request, options, chat.content);
  steps_.mark("compose", deps_.clock.now());

  const store::SendClaim claim = deps_.journal.begin_sending(*key_, {store::State::answering}, reply.message_id,
                                                             clamp_tokens(uncounted_tokens_));
  uncounted_tokens_ = 0;
  steps_.mark("claim", deps_.clock.now());
  if (!claim.claimed) {
    if (claim.answered_as) return duplicate(uid, *claim.answered_as);
    log_.info("taken by another worker", {{"uid", uid}, {"next", "nothing to do"}});
    return Outcome::skipped;
  }
  crash_point("after_sending_recorded");
  if (auto outcome = deliver(uid, reply, abort)) return *outcome;
  if (!deps_.journal.transition(*key_, {store::State::sending}, store::State::sent)) {
    throw Error(ErrorKind::transient, "store: message left state sending unexpectedly");
  }
  steps_.mark("sent", deps_.clock.now());
  crash_point("after_sent_recorded");
  const Outcome outcome = finish(uid, abort);
  log_.info("answered", {{"uid", uid},
                         {"mode", to_string(config_.mode)},
                         {"reply_id", reply.message_id},
                         {"tokens", conversation.usage.total_tokens},
                         {"tool_calls", conversation.tool_calls},
                         {"duration", std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.now() - started)}});
  if (log_.enabled(log::Level::debug)) {
    std::vector<log::Field> fields = steps_.fields();
    fields.insert(fields.begin(), log::Field("uid", uid));
    log_.debug("answer steps", std::move(fields));
  }
  return outcome;
}

// What the model may call for this message: the tools offered to its sender
// (tools[].allow_senders), run with the message's RAVEN_* context. A tool
// stops with the abort token the loop passes on (the shutdown timeout).
llm::Tools Worker::tools_for(const message::Request& request) const {
  llm::Tools tools;
  if (deps_.tools == nullptr || deps_.tools->empty()) return tools;
  const std::vector<const tool::Tool*> offered = deps_.tools->allowed_for(request.from.address);
  if (offered.empty()) return tools;
  tools.definitions = tool::openai_tools(offered);
  tool::Context context{.sender = request.from.address,
                        .message_id = request.message_id.empty() ? "" : "<" + request.message_id + ">",
                        .subject = request.subject};
  tools.execute = [registry = deps_.tools, context = std::move(context)](const llm::ToolCall& call,
                                                                         std::stop_token stop) {
    return registry->call(call.name, call.arguments, context, std::move(stop));
  };
  return tools;
}

// The reply is out (journal: sent): flags, then done.
Outcome Worker::finish(imap::Uid uid, std::stop_token abort) {
  flag(uid, kAnsweredFlags, abort);
  steps_.mark("flags", deps_.clock.now());
  deps_.journal.transition(*key_, {store::State::sent}, store::State::done, {.clear_next_attempt = true});
  steps_.mark("done", deps_.clock.now());
  return Outcome::answered;
}

void Worker::crash_point(std::string_view name) const {
  if (deps_.crash_point) deps_.crash_point(name);
}

}  // namespace raven::answer
