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

}  // namespace
}  // namespace raven::imap
