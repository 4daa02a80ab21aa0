// raven::tracker::RetrySchedule — messages that failed transiently, and when
// each may be tried again.
//
// Issue 3: a transient failure (network, LLM 5xx/timeout, SMTP 4xx) leaves the
// message unseen and retries it later with a growing per-message delay, never
// in a hot loop. The answer worker records the failure and the next attempt
// time here; intake does not dispatch the UID before that time, and bounds its
// IDLE/poll wait by the earliest due time so the retry happens on schedule
// even if no new mail arrives. In memory: the journal (store::Journal) holds
// the durable attempts and next-attempt times; this is intake's fast view of
// them, filled by the answer workers (a message waiting for its retry after a
// restart is dispatched once, finds its time in the journal, and is
// scheduled here).
// All members are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"

namespace raven::tracker {

class RetrySchedule {
 public:
  using Uid = std::uint32_t;
  using time_point = Clock::time_point;

  // Called (on the recording thread, outside the lock) after every
  // record_failure() or schedule(), so that intake, which may be idling with
  // a wait computed before this time existed, can shorten its wait. Set it
  // before any thread records. Must not block.
  void set_on_change(std::function<void()> on_change);

  // Records one more failed attempt of `uid`, not to be retried before
  // `next`. Returns the number of failed attempts so far.
  unsigned record_failure(Uid uid, time_point next);
  // Sets when `uid` may be tried again without counting an attempt (the
  // journal, which survives restarts, holds the real count).
  void schedule(Uid uid, time_point next);
  // Failed attempts recorded for `uid` (0 if none).
  unsigned attempts(Uid uid) const;
  // True if `uid` may be dispatched at `now` (no entry, or its time came).
  bool due(Uid uid, time_point now) const;
  // The earliest retry time later than `now`, if any.
  std::optional<time_point> next_after(time_point now) const;
  // Drops `uid` (answered, or given up).
  void forget(Uid uid);
  // Drops everything (UIDVALIDITY changed).
  void clear();
  std::size_t size() const;

 private:
  struct Entry {
    unsigned attempts = 0;
    time_point next;
  };
  void changed() const;

  mutable std::mutex m_;
  std::map<Uid, Entry> entries_;
  std::function<void()> on_change_;
};

}  // namespace raven::tracker
