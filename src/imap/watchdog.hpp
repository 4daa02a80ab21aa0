// raven::imap::Watchdog — a deadline for a whole IMAP command.
//
// Why: libetpan's timeout (mailimap_set_timeout) is per read, so a server that
// drips one byte every few seconds never times out (DESIGN.md, "Verified
// pitfalls"). The session arms the watchdog around each command; if the
// command is still running at the deadline, the watchdog thread runs the
// session's cancel action (mailstream_cancel, and shutdown() of the socket),
// which makes the blocked read fail at once. The session then reports a
// transient error and marks itself broken (a cancelled libetpan stream stays
// cancelled).
//
// Cost: a session arms and disarms around every command, so neither may
// wake the watchdog's thread in the common case. disarm() never does: the
// thread sleeps on until the latest deadline it knew, finds nothing armed,
// and only then waits indefinitely. arm() does only when the new deadline is earlier than the one
// the thread sleeps until (or the thread sleeps with none). Commands with the
// same timeout arm ever later deadlines, so a busy session costs about one
// wake-up per timeout period instead of two context switches per command.
//
// Threading: arm()/disarm() are called by the thread that owns the session;
// the action runs on the watchdog's own thread, under the watchdog's lock, so
// disarm() returns only after a running action has finished: once disarmed,
// the session may free what the action touches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace raven::imap {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // `on_expire` runs on the watchdog thread when an armed deadline passes,
  // and must not throw or call back into the watchdog.
  explicit Watchdog(std::function<void()> on_expire);
  ~Watchdog();  // stops and joins the thread; an armed deadline is dropped
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Arms (or re-arms) the deadline. Never blocks.
  void arm(Clock::time_point deadline);
  // Disarms. Returns true if the action ran since the last arm(). Blocks only
  // while the action is running.
  bool disarm();
  // Runs the action now, from the calling thread, as if the deadline had
  // passed (used by stop requests). Thread-safe.
  void fire();
  // True if the action ran since the last arm().
  bool fired() const;
  // How often arm() had to wake the thread (tests check the cost above).
  std::uint64_t wakeups() const;

  // Arms on construction, disarms on destruction.
  class Scope {
   public:
    Scope(Watchdog& dog, Clock::time_point deadline) : dog_(dog) { dog_.arm(deadline); }
    ~Scope() { dog_.disarm(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Watchdog& dog_;
  };

 private:
  void run(std::stop_token stop);

  std::function<void()> on_expire_;
  mutable std::mutex m_;
  std::condition_variable_any changed_;
  std::optional<Clock::time_point> deadline_;
  // What the thread sleeps until; nullopt: until something is armed.
  std::optional<Clock::time_point> sleeping_until_;
  // The latest deadline ever armed: after a disarm the thread sleeps on
  // until it rather than indefinitely, so the next arm() need not wake it.
  std::optional<Clock::time_point> latest_;
  bool fired_ = false;
  std::uint64_t wakeups_ = 0;
  std::jthread thread_;  // last: joins before the members above are destroyed
};

}  // namespace raven::imap
