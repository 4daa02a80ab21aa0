#include "tracker/retry_schedule.hpp"

namespace raven::tracker {

void RetrySchedule::set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

void RetrySchedule::changed() const {
  if (on_change_) on_change_();
}

unsigned RetrySchedule::record_failure(Uid uid, time_point next) {
  unsigned attempts = 0;
  {
    std::lock_guard lock(m_);
    Entry& e = entries_[uid];
    ++e.attempts;
    e.next = next;
    attempts = e.attempts;
  }
  changed();
  return attempts;
}

void RetrySchedule::schedule(Uid uid, time_point next) {
  {
    std::lock_guard lock(m_);
    entries_[uid].next = next;
  }
  changed();
}

unsigned RetrySchedule::attempts(Uid uid) const {
  std::lock_guard lock(m_);
  auto it = entries_.find(uid);
  return it == entries_.end() ? 0 : it->second.attempts;
}

bool RetrySchedule::due(Uid uid, time_point now) const {
  std::lock_guard lock(m_);
  auto it = entries_.find(uid);
  return it == entries_.end() || it->second.next <= now;
}

std::optional<RetrySchedule::time_point> RetrySchedule::next_after(time_point now) const {
  std::lock_guard lock(m_);
  std::optional<time_point> best;
  for (const auto& [uid, e] : entries_) {
    if (e.next > now && (!best || e.next < *best)) best = e.next;
  }
  return best;
}

void RetrySchedule::forget(Uid uid) {
  std::lock_guard lock(m_);
  entries_.erase(uid);
}

void RetrySchedule::clear() {
  std::lock_guard lock(m_);
  entries_.clear();
}

std::size_t RetrySchedule::size() const {
  std::lock_guard lock(m_);
  return entries_.size();
}

}  // namespace raven::tracker
