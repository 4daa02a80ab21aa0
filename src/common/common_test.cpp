#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/fake_clock.hpp"
#include "common/text.hpp"

namespace raven {
namespace {

using namespace std::chrono_literals;

TEST(Text, PrintableDefusesTerminalControls) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable("a\r\nb\tc"), "a  b c");
  EXPECT_EQ(printable("\x1b[31mred"), "?[31mred");
  EXPECT_EQ(printable("del\x7f"), "del?");
  EXPECT_EQ(printable("c1 \xc2\x9b csi"), "c1 ? csi");
  EXPECT_EQ(printable("caf\xc3\xa9 \xc2\xa0"), "caf\xc3\xa9 \xc2\xa0") << "UTF-8 text stays";
}

TEST(BoundedQueue, TryPushFailsWhenFullWithoutBlocking) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.try_push(1));
  EXPECT_TRUE(q.try_push(2));
  EXPECT_FALSE(q.try_push(3));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop({}), 1);
  EXPECT_TRUE(q.try_push(3));
  EXPECT_EQ(q.pop({}), 2);
  EXPECT_EQ(q.pop({}), 3);
}

TEST(BoundedQueue, PopReturnsNulloptWhenStopped) {
  BoundedQueue<int> q(1);
  std::stop_source stop;
  std::jthread t([&] { EXPECT_EQ(q.pop(stop.get_token()), std::nullopt); });
  std::this_thread::sleep_for(20ms);
  stop.request_stop();
}

TEST(BoundedQueue, OnPopRunsAfterEachPop) {
  BoundedQueue<int> q(4);
  std::atomic<int> calls{0};
  q.set_on_pop([&] {
    // Runs outside the lock: the queue may be used from the hook.
    EXPECT_LE(q.size(), 4u);
    calls++;
  });
  q.try_push(1);
  q.try_push(2);
  q.pop({});
  q.pop({});
  EXPECT_EQ(calls.load(), 2);
}

TEST(BoundedQueue, ManyProducersAndConsumersLoseNothing) {
  BoundedQueue<int> q(8);
  std::atomic<long> sum{0};
  std::atomic<int> popped{0};
  constexpr int kItems = 4000;
  std::stop_source stop;
  {
    std::vector<std::jthread> consumers;
    for (int i = 0; i < 3; ++i) {
      consumers.emplace_back([&] {
        while (auto v = q.pop(stop.get_token())) {
          sum += *v;
          if (++popped == kItems) stop.request_stop();
        }
      });
    }
    for (int i = 1; i <= kItems; ++i) {
      while (!q.try_push(i)) std::this_thread::yield();
    }
  }
  EXPECT_EQ(popped.load(), kItems);
  EXPECT_EQ(sum.load(), static_cast<long>(kItems) * (kItems + 1) / 2);
}

TEST(SystemClock, SleepIsInterruptedByStop) {
  SystemClock clock;
  std::stop_source stop;
  auto start = std::chrono::steady_clock::now();
  std::jthread t([&] { EXPECT_FALSE(clock.sleep_for(std::chrono::hours(1), stop.get_token())); });
  std::this_thread::sleep_for(10ms);
  stop.request_stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::minutes(1));
}

TEST(SystemClock, SleepReturnsTrueAtDeadline) {
  SystemClock clock;
  EXPECT_TRUE(clock.sleep_for(1ms, {}));
}

TEST(FakeClock, OnlyMovesWhenAdvanced) {
  FakeClock clock;
  auto t0 = clock.now();
  clock.advance(5s);
  EXPECT_EQ(clock.now() - t0, 5s);
}

TEST(Text, LineBreaksAndNul) {
  EXPECT_FALSE(has_line_break_or_nul("plain text"));
  EXPECT_TRUE(has_line_break_or_nul("a\rb"));
  EXPECT_TRUE(has_line_break_or_nul("a\nb"));
  EXPECT_TRUE(has_line_break_or_nul(std::string_view("a\0b", 3)));
}

TEST(Text, LowerAndTrim) {
  EXPECT_EQ(ascii_lower("ExAmPle.ORG"), "example.org");
  EXPECT_EQ(trim("  x y \r\n"), "x y");
  EXPECT_EQ(trim("   "), "");
}

TEST(Error, CarriesItsKind) {
  Error e(ErrorKind::transient, "server went away");
  EXPECT_EQ(e.kind(), ErrorKind::transient);
  EXPECT_STREQ(e.what(), "server went away");
  EXPECT_EQ(to_string(ErrorKind::fatal), "fatal");
}

}  // namespace
}  // namespace raven
