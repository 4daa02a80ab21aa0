#include "backoff/backoff.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "common/fake_clock.hpp"

namespace raven::backoff {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Backoff, DoublesFromOneSecondToOneMinuteWithoutJitter) {
  Backoff b(Config{.jitter = 0.0});
  std::vector<long> got;
  for (int i = 0; i < 9; ++i) got.push_back(static_cast<long>(b.next().count()));
  EXPECT_EQ(got, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(Config{.jitter = 0.0});
  b.next();
  b.next();
  EXPECT_EQ(b.attempts(), 2u);
  b.reset();
  EXPECT_EQ(b.next(), seconds(1));
}

TEST(Backoff, JitterStaysWithinRangeAndVaries) {
  Backoff b(Config{.jitter = 0.2}, 42);
  std::set<long> distinct;
  for (int round = 0; round < 50; ++round) {
    b.reset();
    auto d = b.next();
    EXPECT_GE(d, milliseconds(800));
    EXPECT_LE(d, milliseconds(1000));
    distinct.insert(static_cast<long>(d.count()));
  }
  EXPECT_GT(distinct.size(), 10u);
}

TEST(Backoff, NeverOverflowsAfterManyFailures) {
  Backoff b(Config{.jitter = 0.0});
  for (int i = 0; i < 10000; ++i) b.next();
  EXPECT_EQ(b.next(), std::chrono::minutes(1));
}

TEST(Backoff, SameSeedSameSequence) {
  Backoff a({}, 7), b({}, 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, RejectsNonsense) {
  EXPECT_THROW(Backoff(Config{.initial = milliseconds(0)}), std::invalid_argument);
  EXPECT_THROW(Backoff(Config{.initial = seconds(2), .max = seconds(1)}), std::invalid_argument);
  EXPECT_THROW(Backoff(Config{.jitter = 1.5}), std::invalid_argument);
}

TEST(Backoff, WaitSleepsOnTheInjectedClock) {
  FakeClock clock;
  Backoff b(Config{.jitter = 0.0});
  std::atomic<bool> woke{false};
  std::jthread t([&] {
    EXPECT_TRUE(b.wait(clock, {}));
    woke = true;
  });
  clock.wait_for_sleepers(1);
  clock.advance(milliseconds(999));
  EXPECT_FALSE(woke.load());
  clock.advance(milliseconds(1));
  t.join();
  EXPECT_TRUE(woke.load());
}

TEST(Backoff, WaitReturnsFalseWhenStopped) {
  FakeClock clock;
  Backoff b;
  std::stop_source stop;
  std::jthread t([&] { EXPECT_FALSE(b.wait(clock, stop.get_token())); });
  clock.wait_for_sleepers(1);
  stop.request_stop();
}

}  // namespace
}  // namespace raven::backoff
