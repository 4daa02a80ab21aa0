// raven::answer::Worker — one message from the queue to a reply and flags.
//
// For each UID it owns (the tracker says so), in order (DESIGN.md "Data flow"):
//   journal: where does this message stand? → FETCH (FLAGS, RFC822.SIZE,
//   BODYSTRUCTURE, BODY.PEEK[HEADER], and BODY.PEEK[1]<0.max_text+1K>: part
//   1 is the text of most mail) → choose the text part → unless it is part 1
//   and came whole, FETCH BODY.PEEK[section]<0.N> (never attachments) →
//   parse → policy (loops,
//   who may ask, authenticity; or only the allow-list on the parsed From and
//   Reply-To) → duplicates → budgets (budget.cpp) → LLM (with tool rounds:
//   llm/tool_loop.hpp; its tokens journaled) → compose → journal `sending` →
//   deliver
//   (send: SMTP, then APPEND a copy to Sent; draft: APPEND to Drafts) →
//   journal `sent` → UID STORE +FLAGS (\Seen \Answered) → journal `done`.
// Nothing is marked \Seen before its reply is accepted by the SMTP server (or
// stored as a draft), or before it is deliberately skipped.
//
// The journal (store::Journal) makes this exactly-once across crashes:
//  - `sent` met again (crash before the flags): flags only, never resend.
//  - `sending` met again (crash during SMTP: outcome unknown): the reply's
//    Message-ID (derived from the original's, so stable) is looked for in
//    sent_mailbox (drafts_mailbox in draft mode); found → it was sent. Else
//    answer.on_uncertain: skip (state skipped, reason "uncertain…", \Seen +
//    skipped_keyword, a warning) or resend.
//  - a Message-ID answered before under another UID or UIDVALIDITY (the mail
//    delivered twice, the mailbox recreated) is not answered again:
//    Journal::begin_sending refuses it atomically, even for two workers or
//    two processes racing.
//  - done / skipped / failed met again (crash before the flags): flags only.
//
// Outcomes:
//  - answered: flagged \Seen \Answered.
//  - skipped (a policy rule, no text, a duplicate, over budget, uncertain,
//    already \Seen): \Seen + answer.skipped_keyword (duplicates
//    of an answered mail get \Seen \Answered; nothing when it was already
//    \Seen: someone else handled it), reason logged and journaled.
//  - retry_later (network, LLM 5xx/timeout, SMTP 4xx): left unseen; the
//    journal gets attempts, the error and the next attempt time
//    (answer.retry_initial doubling to retry_max) and so does the in-memory
//    RetrySchedule intake consults; after answer.max_attempts the message is
//    failed.
//  - waiting: dispatched before its next attempt time (after a restart):
//    nothing done; its time is put in the RetrySchedule.
//  - failed (SMTP 5xx, LLM 4xx or garbage, unusable message, attempts used
//    up): \Seen + answer.failed_keyword, reason logged and journaled.
//  - fatal (SMTP credentials or certificate rejected): the message is left
//    as it is (back to `seen`) and on_fatal is called, so the service stops.
//
// Over budget with policy.limits.notice set (notice.cpp): the message is
// skipped, and once per sender per UTC day (Journal::claim_notice) the fixed
// notice goes out instead, without any LLM call, as a reply composed like
// the LLM's (threading headers, Auto-Submitted: auto-replied) and through
// the same journal states and deliver(): seen → answering (the skip reason
// recorded) → sending (begin_sending, with the notice's own derived
// Message-ID) → skipped. So it counts against the reply budgets like a reply,
// a fast automatic answer to it is `fast-reply`, and it is never sent twice:
// a crash or an unknown SMTP outcome while sending it ends in skipped, never
// in a resend; a notice that failed is not tried again that day.
//
// Ownership: each Worker owns its IMAP session, SMTP session and LLM client
// (one connection of each per worker, DESIGN.md); it borrows the rest, which
// must outlive it. run() is called on one thread.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "answer/config.hpp"
#include "answer/steps.hpp"
#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "filter/filter.hpp"
#include "imap/session.hpp"
#include "llm/client.hpp"
#include "llm/tool_loop.hpp"
#include "log/log.hpp"
#include "message/compose.hpp"
#include "message/request.hpp"
#include "policy/policy.hpp"
#include "smtp/session.hpp"
#include "store/journal.hpp"
#include "tool/registry.hpp"
#include "tracker/retry_schedule.hpp"
#include "tracker/tracker.hpp"

namespace raven::answer {

struct Dependencies {
  tracker::Tracker& tracker;
  tracker::RetrySchedule& retries;
  BoundedQueue<imap::Uid>& queue;
  const filter::Filter& filter;
  store::Journal& journal;
  Clock& clock;
  log::Logger logger;
  // Called (on the worker's thread) when a fatal error means no message can
  // be answered until the operator acts.
  std::function<void(const Error&)> on_fatal;
  // Test builds only (service wires RAVEN_CRASH_AT): called at each named
  // point of the protocol — after_sending_recorded, after_smtp_accepted,
  // after_sent_copy, after_sent_recorded — so a test can kill the process
  // there. Empty in production.
  std::function<void(std::string_view)> crash_point{};
  // Wall-clock Unix milliseconds, for the journal's next-attempt times.
  store::WallClock wall_clock = store::system_now_ms;
  // The tools the model may call (built once by the service from the
  // config's tools:). nullptr or empty: no tools, and requests carry no
  // `tools` field. Each sender is offered Registry::allowed_for(its address).
  const tool::Registry* tools = nullptr;
  // Should a message be answered at all (loop rules, who may ask,
  // authenticity, budgets): policy::decide() and policy::check_budgets()
  // run before any LLM call, and a skip is journaled with its reason code.
  // nullptr: only the allow-list (filter) on From and Reply-To is checked,
  // and no budget (origins and tokens are journaled all the same).
  const policy::Config* policy = nullptr;
};

enum class Outcome { answered, skipped, retry_later, waiting, failed, fatal, gone };
std::string_view to_string(Outcome outcome) noexcept;

// LLM tokens as the journal stores them (int64), saturating.
std::int64_t clamp_tokens(std::uint64_t tokens);

class Worker {
 public:
  // Throws raven::Error (fatal) if a client cannot be set up (bad config).
  Worker(Config config, imap::Config imap_config, llm::Config llm_config, std::optional<smtp::Config> smtp_config,
         Dependencies deps, unsigned id);

  // Pops UIDs until `stop` (no new work) is requested; each message in hand
  // runs to its end unless `abort` is requested too (the shutdown timeout).
  // Blocks.
  void run(std::stop_token stop, std::stop_token abort);

  // Handles one UID the caller owns in the tracker; releases it. Blocks.
  Outcome process(imap::Uid uid, std::stop_token abort);

 private:
  imap::Session& imap_session(std::stop_token abort);
  Outcome handle(imap::Uid uid, std::stop_token abort);
  // Steps after parsing: who may ask, duplicates, LLM, compose, deliver.
  Outcome answer(imap::Uid uid, const message::Request& request, std::stop_token abort);
  llm::Tools tools_for(const message::Request& request) const;

  // Recovery (resume.cpp): a message the journal already knows.
  std::optional<Outcome> resume(const store::Record& record, bool seen_flag, std::stop_token abort);
  std::optional<Outcome> settle_uncertain(const store::Record& record, std::stop_token abort);
  bool reply_in_copies(const std::string& reply_message_id, std::stop_token abort);
  Outcome duplicate(imap::Uid uid, const store::Record& original);

  // Budgets (budget.cpp): the journal's facts for the policy, the origin and
  // usage of a message, and the LLM conversation with its tokens counted.
  policy::History history_of(const message::Request& request, std::int64_t now_ms);
  std::optional<Outcome> within_budget(imap::Uid uid, const message::Request& request, std::int64_t now_ms,
                                       std::stop_token abort);
  llm::Conversation ask_llm(imap::Uid uid, const message::Request& request, std::stop_token abort);
  void count_tokens(imap::Uid uid, std::uint64_t tokens);
  void record_if_new();

  // The over-budget notice (notice.cpp).
  Outcome over_budget(imap::Uid uid, const message::Request& request, const policy::Decision& decision,
                      std::int64_t now_ms, std::stop_token abort);
  std::string notice_message_id(const store::Key& key, const std::string& message_id) const;
  bool is_notice(const store::Record& record) const;
  Outcome settle_notice(const store::Record& record);
  Outcome end_notice(imap::Uid uid, const std::string& reason, const message::Request* request);

  // Delivery (deliver.cpp): SMTP + Sent copy, or a draft. On return the reply
  // is out; on an exception the journal says seen (retry), skipped
  // (uncertain) or still sending.
  std::optional<Outcome> deliver(imap::Uid uid, const message::Reply& reply, std::stop_token abort);
  Outcome finish(imap::Uid uid, std::stop_token abort);

  // Endings (endings.cpp).
  Outcome skip(imap::Uid uid, std::string_view reason, const message::Request* request);
  Outcome fail(imap::Uid uid, std::string_view reason, ErrorKind kind);
  Outcome retry(imap::Uid uid, const Error& error);
  Outcome wait_for_retry(imap::Uid uid, std::int64_t next_attempt_ms);
  void flag(imap::Uid uid, const std::vector<std::string>& flags, std::stop_token abort);
  void crash_point(std::string_view name) const;

  Config config_;
  imap::Config imap_config_;
  Dependencies deps_;
  log::Logger log_;
  std::string reply_domain_;  // of answer.from: where reply Message-IDs live
  llm::Client llm_;
  std::optional<smtp::Session> smtp_;
  std::optional<imap::Session> imap_;
  std::uint32_t uidvalidity_ = 0;     // of the selected mailbox in imap_
  // UIDs below this are known to imap_ (UIDNEXT at SELECT, then one past the
  // highest UID fetched): a newer one was announced to intake's session, not
  // this one, so a NOOP must collect the EXISTS before the FETCH can see it.
  imap::Uid known_below_ = 0;
  std::optional<store::Key> key_;     // the message in hand, once its session is up
  // Its origin (who asked, which thread: what the budgets count), once parsed.
  store::Origin origin_;
  // Its Message-ID while it has no row yet: the row is written with the
  // first state the message reaches — answering on the happy path
  // (Journal::begin_answering, one commit), or seen by record_if_new()
  // before any other ending (skip, failure, retry, duplicate, notice).
  std::optional<std::string> unrecorded_;
  // Tokens of a finished conversation not journaled yet: begin_sending adds
  // them in its commit; process() counts them if the message ends before.
  std::uint64_t uncounted_tokens_ = 0;
  Steps steps_;                       // where its time went (the `answer steps` debug line)
};

}  // namespace raven::answer
