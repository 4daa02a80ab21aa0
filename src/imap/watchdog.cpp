#include "imap/watchdog.hpp"

#include <utility>

namespace raven::imap {

Watchdog::Watchdog(std::function<void()> on_expire)
    : on_expire_(std::move(on_expire)),
      thread_([this](std::stop_token stop) { run(std::move(stop)); }) {}

Watchdog::~Watchdog() {
  thread_.request_stop();
  // jthread's destructor joins; the condition variable wakes on the stop.
}

void Watchdog::arm(Clock::time_point deadline) {
  bool wake = false;
  {
    std::lock_guard lock(m_);
    deadline_ = deadline;
    if (!latest_ || *latest_ < deadline) latest_ = deadline;
    fired_ = false;
    wake = !sleeping_until_ || deadline < *sleeping_until_;
    if (wake) ++wakeups_;
  }
  if (wake) changed_.notify_all();
}

bool Watchdog::disarm() {
  std::lock_guard lock(m_);  // waits for an action that is running
  deadline_.reset();
  return fired_;
}

void Watchdog::fire() {
  std::lock_guard lock(m_);
  fired_ = true;
  on_expire_();
}

bool Watchdog::fired() const {
  std::lock_guard lock(m_);
  return fired_;
}

std::uint64_t Watchdog::wakeups() const {
  std::lock_guard lock(m_);
  return wakeups_;
}

void Watchdog::run(std::stop_token stop) {
  std::unique_lock lock(m_);
  while (!stop.stop_requested()) {
    if (!deadline_ && (!latest_ || *latest_ <= Clock::now())) {
      sleeping_until_.reset();
      changed_.wait(lock, stop, [&] { return deadline_.has_value(); });
      continue;
    }
    const auto until = deadline_ ? *deadline_ : *latest_;
    sleeping_until_ = until;
    // Woken early only by an earlier deadline (arm() notifies only then);
    // a disarm or a later deadline is noticed when this wait ends.
    changed_.wait_until(lock, stop, until, [&] { return deadline_ && *deadline_ < until; });
    if (stop.stop_requested()) break;
    if (deadline_ && Clock::now() >= *deadline_) {
      deadline_.reset();
      fired_ = true;
      on_expire_();  // under the lock: disarm() waits for it
    }
  }
}

}  // namespace raven::imap
