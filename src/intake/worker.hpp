// raven::intake::Worker — finds new mail and hands its UIDs to the answer workers.
//
// A C++ port of the seed's intake worker (../shared/seed), with DESIGN.md's
// deliberate differences:
//  2. Deferred mail is never stranded. When the queue is full the rest of a
//     scan is deferred; as soon as a consumer frees a slot (notify_slot_freed,
//     wired to BoundedQueue::set_on_pop by the service) the worker wakes and
//     dispatches more. Unlike the seed it does not search again for that: it
//     keeps the UIDs the last search found and hands them out as slots free,
//     searching again only once they are all out (or on news, a due retry, a
//     poll tick). A backlog of N messages thus costs a couple of searches, not
//     one per freed slot (each search over every unseen message: on Dovecot,
//     FROM terms make it parse every one of them; see docs/performance.md).
//     While the queue is full the worker does not IDLE either: new mail waits
//     in the mailbox until the backlog is out, and is found by that search.
//  3. IDLE is re-issued at least every `idle_refresh`; the DONE/OK round trip
//     proves the connection alive, so a silently dead IDLE is noticed.
//  4. A server without IDLE is polled (with a warning) instead of failing.
// The loop: connect + SELECT → scan (UID SEARCH, try_acquire, try_push) → wait
// (IDLE or poll) → scan … Any error drops the session and reconnects after an
// exponential backoff (1 s → 1 min, reset after a good scan).
//
// Ownership: the worker owns its IMAP session; it borrows the tracker, queue,
// clock and filter, which must outlive it. run() is called on one thread (the
// intake jthread); notify_slot_freed() may be called from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "backoff/backoff.hpp"
#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "filter/filter.hpp"
#include "imap/session.hpp"
#include "intake/config.hpp"
#include "log/log.hpp"
#include "tracker/retry_schedule.hpp"
#include "tracker/tracker.hpp"

namespace raven::intake {

// Opens a logged-in IMAP session (tests may wrap it to count connections).
using Connector = std::function<imap::Session(const imap::Config&, std::stop_token)>;
Connector default_connector();

struct Dependencies {
  tracker::Tracker& tracker;
  BoundedQueue<imap::Uid>& queue;
  Clock& clock;
  log::Logger logger;
  Connector connect = default_connector();
  backoff::Config backoff = {};
  // Messages waiting for a retry: not dispatched before their time, and the
  // wait for news ends when the earliest one comes due. Cleared when the
  // mailbox's UIDVALIDITY changes (its UIDs name other messages now; the
  // journal keeps the real schedule by Message-ID). Optional.
  tracker::RetrySchedule* retries = nullptr;
  // UIDs (in the mailbox under this UIDVALIDITY) whose reply was committed
  // to but not finished — the journal's sending/sent rows. They may be \Seen
  // already (a crash between the flag STORE and recording `done`), so the
  // UNSEEN search would never find them again; intake dispatches them once
  // after each connect. Optional; may throw raven::Error (then intake
  // reconnects after its backoff).
  std::function<std::vector<imap::Uid>(std::uint32_t uidvalidity)> unfinished = nullptr;
};

class Worker {
 public:
  Worker(Config config, imap::Config imap_config, const filter::Filter& filter, Dependencies deps);

  // Runs until `stop` is requested, then returns. Blocks. Transient and
  // permanent errors are logged and retried with backoff. A fatal error (bad
  // credentials, an untrusted certificate, a missing mailbox) before the first
  // successful scan is rethrown, because retrying cannot fix it and the
  // operator must be told at start-up; after that it is retried at the
  // backoff's slowest pace, since it may be a passing server-side problem.
  void run(std::stop_token stop);

  // Tells the worker that a queue slot is free. Wakes it only if a scan left
  // messages behind. Thread-safe, never blocks.
  void notify_slot_freed();

  // Tells the worker that a retry time was recorded: the current wait (IDLE
  // or poll sleep), bounded by the earliest retry known when it began, ends
  // so that the next one is bounded by the new time. Wire it to
  // RetrySchedule::set_on_change. Thread-safe, never blocks.
  void notify_retry_scheduled();

  // Counters for tests and status. Thread-safe.
  struct Stats {
    std::uint64_t connects = 0;
    std::uint64_t scans = 0;           // UID SEARCHes
    std::uint64_t dispatched = 0;
    std::uint64_t deferred_scans = 0;  // dispatch rounds that hit a full queue
    std::uint64_t slot_rounds = 0;     // dispatch rounds from the kept UIDs, without a search
    std::uint64_t unfinished = 0;      // UIDs the journal gave back after a connect
    std::uint64_t waiting_retry = 0;   // UIDs skipped in the last scan: retry not due yet
  };
  Stats stats() const;

 private:
  // Searches, keeps what it found (plus the journal's unfinished UIDs) and
  // dispatches it.
  void scan();
  // Dispatches kept UIDs until the queue is full or none is left.
  void dispatch_kept(bool after_search);
  void wait_for_news(imap::Session& session, bool use_idle, std::stop_token stop);
  // The queue is full and UIDs are kept: waits (without IDLE) for a free
  // slot. True if a slot freed; false on a due retry, a timeout or a stop,
  // after which a search is due.
  bool wait_for_slot(std::stop_token stop);
  // How long a wait may last: `limit`, or less if a retry comes due sooner.
  std::chrono::milliseconds bounded_wait(std::chrono::milliseconds limit);
  std::stop_token begin_wait();
  bool connect_and_select(std::stop_token stop);

  Config config_;
  imap::Config imap_config_;
  const filter::Filter& filter_;
  Dependencies deps_;
  backoff::Backoff backoff_;
  std::optional<imap::Session> session_;
  std::optional<std::uint32_t> uidvalidity_;
  bool warned_no_idle_ = false;
  std::vector<imap::Uid> kept_;        // found by the last search, not dispatched yet, ascending
  std::vector<imap::Uid> unfinished_;  // from the journal after a connect, not dispatched yet

  mutable std::mutex m_;  // guards the members below
  std::stop_source wake_;
  bool deferred_ = false;      // the last scan left messages behind
  bool wake_pending_ = false;  // a slot freed while no wait was in progress
  bool retry_woke_ = false;    // notify_retry_scheduled since the last search
  Stats stats_;
};

}  // namespace raven::intake
