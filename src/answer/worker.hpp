// raven::answer::Worker — one message from the queue to a reply and flags.
//
// For each UID it owns (the tracker says so), in order (DESIGN.md "Data flow"):
//   FETCH (FLAGS, RFC822.SIZE, BODYSTRUCTURE, BODY.PEEK[HEADER]) → choose the
//   text part → FETCH BODY.PEEK[section]<0.N> (never attachments) → parse →
//   allow-list on the parsed From and Reply-To → LLM → compose → deliver
//   (send: SMTP, then APPEND a copy to Sent; draft: APPEND to Drafts) →
//   UID STORE +FLAGS (\Seen \Answered) → release the UID.
// Nothing is marked \Seen before its reply is accepted by the SMTP server (or
// stored as a draft), or before it is deliberately skipped.
//
// Outcomes:
//  - answered: flagged \Seen \Answered.
//  - skipped (sender not allowed, Reply-To not allowed, no text, already
//    \Seen): \Seen + answer.skipped_keyword, reason logged (nothing when it was
//    already \Seen: someone else handled it).
//  - transient failure (network, LLM 5xx/timeout, SMTP 4xx): left unseen; the
//    RetrySchedule gets the next attempt time (answer.retry_initial doubling
//    to retry_max); after answer.max_attempts it becomes a permanent failure.
//  - permanent failure (SMTP 5xx, LLM 4xx or garbage, unusable message):
//    \Seen + answer.failed_keyword, reason logged.
//  - fatal (SMTP credentials or certificate rejected): the message is left
//    as it is and on_fatal is called, so the service stops.
//
// Until the journal (issue 4) exists, a reply that was sent but whose flags
// could not be set is remembered in memory (by the original's Message-ID), so
// this process never sends it twice.
//
// Ownership: each Worker owns its IMAP session, SMTP session and LLM client
// (one connection of each per worker, DESIGN.md); it borrows the rest, which
// must outlive it. run() is called on one thread.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "answer/config.hpp"
#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "filter/filter.hpp"
#include "imap/session.hpp"
#include "llm/client.hpp"
#include "log/log.hpp"
#include "message/request.hpp"
#include "smtp/session.hpp"
#include "tracker/retry_schedule.hpp"
#include "tracker/tracker.hpp"

namespace raven::answer {

// Shared by all workers of one service: Message-IDs answered by this process.
class AnsweredMemo {
 public:
  bool contains(const std::string& message_id) const;
  void add(const std::string& message_id);

 private:
  mutable std::mutex m_;
  std::set<std::string> ids_;
};

struct Dependencies {
  tracker::Tracker& tracker;
  tracker::RetrySchedule& retries;
  BoundedQueue<imap::Uid>& queue;
  const filter::Filter& filter;
  AnsweredMemo& answered;
  Clock& clock;
  log::Logger logger;
  // Called (on the worker's thread) when a fatal error means no message can
  // be answered until the operator acts.
  std::function<void(const Error&)> on_fatal;
};

enum class Outcome { answered, skipped, retry_later, failed, fatal, gone };
std::string_view to_string(Outcome outcome) noexcept;

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
  Outcome skip(imap::Uid uid, std::string_view reason, const message::Request* request);
  Outcome fail(imap::Uid uid, std::string_view reason, ErrorKind kind);
  Outcome retry(imap::Uid uid, const Error& error);
  void flag(imap::Uid uid, const std::vector<std::string>& flags, std::stop_token abort);

  Config config_;
  imap::Config imap_config_;
  Dependencies deps_;
  log::Logger log_;
  std::string reply_domain_;  // of answer.from: where reply Message-IDs live
  llm::Client llm_;
  std::optional<smtp::Session> smtp_;
  std::optional<imap::Session> imap_;
};

}  // namespace raven::answer
