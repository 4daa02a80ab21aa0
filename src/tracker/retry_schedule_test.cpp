#include "tracker/retry_schedule.hpp"

#include <gtest/gtest.h>

#include "common/fake_clock.hpp"

namespace raven::tracker {
namespace {

using namespace std::chrono_literals;

TEST(RetrySchedule, UnknownUidsAreDue) {
  RetrySchedule s;
  FakeClock clock;
  EXPECT_TRUE(s.due(5, clock.now()));
  EXPECT_EQ(s.attempts(5), 0u);
  EXPECT_FALSE(s.next_after(clock.now()).has_value());
}

TEST(RetrySchedule, NotDueBeforeItsTime) {
  RetrySchedule s;
  FakeClock clock;
  auto t0 = clock.now();
  EXPECT_EQ(s.record_failure(5, t0 + 1min), 1u);
  EXPECT_FALSE(s.due(5, t0));
  EXPECT_FALSE(s.due(5, t0 + 59s));
  EXPECT_TRUE(s.due(5, t0 + 1min));
  EXPECT_EQ(s.record_failure(5, t0 + 3min), 2u);
  EXPECT_EQ(s.attempts(5), 2u);
}

TEST(RetrySchedule, ScheduleSetsTheTimeWithoutCountingAnAttempt) {
  RetrySchedule s;
  FakeClock clock;
  auto t0 = clock.now();
  s.schedule(7, t0 + 30s);
  EXPECT_FALSE(s.due(7, t0));
  EXPECT_TRUE(s.due(7, t0 + 30s));
  EXPECT_EQ(s.attempts(7), 0u);
  EXPECT_EQ(s.next_after(t0), t0 + 30s);
}

TEST(RetrySchedule, NextAfterIsTheEarliestFutureTime) {
  RetrySchedule s;
  FakeClock clock;
  auto t0 = clock.now();
  s.record_failure(1, t0 + 5min);
  s.record_failure(2, t0 + 2min);
  s.record_failure(3, t0 - 1min);  // already due: not a future wake-up
  EXPECT_EQ(s.next_after(t0), t0 + 2min);
  s.forget(2);
  EXPECT_EQ(s.next_after(t0), t0 + 5min);
  s.clear();
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace raven::tracker
