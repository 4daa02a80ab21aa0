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
  {
    std::lock_guard lock(m_);
    deadline_ = deadline;
    fired_ = false;
  }
  changed_.notify_all();
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

void Watchdog::run(std::stop_token stop) {
  std::unique_lock lock(m_);
  while (!stop.stop_requested()) {
    if (!deadline_) {
      changed_.wait(lock, stop, [&] { return deadline_.has_value(); });
      continue;
    }
    const auto deadline = *deadline_;
    // Wakes early when re-armed or disarmed (the predicate sees a new value).
    changed_.wait_until(lock, stop, deadline, [&] { return deadline_ != deadline; });
    if (stop.stop_requested()) break;
    if (deadline_ == deadline && Clock::now() >= deadline) {
      deadline_.reset();
      fired_ = true;
      on_expire_();  // under the lock: disarm() waits for it
    }
  }
}

}  // namespace raven::imap
