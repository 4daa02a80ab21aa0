#include "tracker/tracker.hpp"

namespace raven::tracker {

bool Tracker::try_acquire(Uid uid) {
  std::lock_guard lock(m_);
  return in_flight_.insert(uid).second;
}

void Tracker::release(Uid uid) {
  std::lock_guard lock(m_);
  in_flight_.erase(uid);
}

bool Tracker::held(Uid uid) const {
  std::lock_guard lock(m_);
  return in_flight_.count(uid) != 0;
}

std::size_t Tracker::size() const {
  std::lock_guard lock(m_);
  return in_flight_.size();
}

void Tracker::clear() {
  std::lock_guard lock(m_);
  in_flight_.clear();
}

}  // namespace raven::tracker
