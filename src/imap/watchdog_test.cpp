#include "imap/watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace raven::imap {
namespace {

using namespace std::chrono_literals;

TEST(ImapWatchdog, FiresAfterTheDeadline) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  dog.arm(Watchdog::Clock::now() + 50ms);
  for (int i = 0; i < 200 && fired == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(dog.fired());
  EXPECT_TRUE(dog.disarm());
}

TEST(ImapWatchdog, DisarmedInTimeNeverFires) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  dog.arm(Watchdog::Clock::now() + 200ms);
  EXPECT_FALSE(dog.disarm());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fired, 0);
}

TEST(ImapWatchdog, RearmingMovesTheDeadlineAndClearsFired) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  dog.arm(Watchdog::Clock::now() + 20ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(dog.disarm());
  dog.arm(Watchdog::Clock::now() + 10s);
  EXPECT_FALSE(dog.fired());
  EXPECT_FALSE(dog.disarm());
  EXPECT_EQ(fired, 1);
}

TEST(ImapWatchdog, FireRunsTheActionNow) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  dog.arm(Watchdog::Clock::now() + 10s);
  dog.fire();
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(dog.disarm());
}

TEST(ImapWatchdog, DestroyedWhileArmedDoesNotFire) {
  std::atomic<int> fired{0};
  {
    Watchdog dog([&] { ++fired; });
    dog.arm(Watchdog::Clock::now() + 10s);
  }
  EXPECT_EQ(fired, 0);
}

// A session arms and disarms around every command: that must not wake the
// watchdog's thread each time.
TEST(ImapWatchdog, ArmingLaterDeadlinesDoesNotWakeTheThread) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  for (int i = 0; i < 1000; ++i) {
    dog.arm(Watchdog::Clock::now() + 10s);
    EXPECT_FALSE(dog.disarm());
    if (i == 0) std::this_thread::sleep_for(50ms);  // the thread sleeps until the first deadline now
  }
  EXPECT_LE(dog.wakeups(), 2u);
  EXPECT_EQ(fired, 0);
}

// ... but an earlier deadline than the one it sleeps until wakes it.
TEST(ImapWatchdog, AnEarlierDeadlineStillFiresOnTime) {
  std::atomic<int> fired{0};
  Watchdog dog([&] { ++fired; });
  dog.arm(Watchdog::Clock::now() + 10s);
  std::this_thread::sleep_for(50ms);
  dog.disarm();
  dog.arm(Watchdog::Clock::now() + 30ms);
  for (int i = 0; i < 300 && fired == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(dog.disarm());
}

}  // namespace
}  // namespace raven::imap
