#include "common/clock.hpp"

#include <condition_variable>
#include <mutex>

namespace raven {

bool SystemClock::sleep_until(time_point deadline, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  // The predicate is never true: this returns at the deadline or on a stop
  // request, and only the token tells which.
  cv.wait_until(lock, stop, deadline, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace raven
