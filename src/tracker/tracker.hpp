// raven::tracker::Tracker — the set of message UIDs currently owned by a worker.
//
// One message is owned by one worker from dispatch to flagging (DESIGN.md,
// "Data flow"). Intake try_acquire()s a UID before queueing it; the answer
// worker release()s it when done. A UID still in flight is not dispatched again
// by a re-scan, so two workers never answer the same message concurrently.
// All members are thread-safe and never block for long (one mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_set>

namespace raven::tracker {

class Tracker {
 public:
  using Uid = std::uint32_t;

  // True if `uid` was free and is now owned by the caller.
  bool try_acquire(Uid uid);
  // Gives `uid` back. Releasing a UID that is not held is a no-op.
  void release(Uid uid);
  bool held(Uid uid) const;
  std::size_t size() const;
  // Forgets every UID (after UIDVALIDITY changes, old UIDs mean nothing).
  void clear();

 private:
  mutable std::mutex m_;
  std::unordered_set<Uid> in_flight_;
};

}  // namespace raven::tracker
