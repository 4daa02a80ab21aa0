#include "tracker/tracker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace raven::tracker {
namespace {

TEST(Tracker, AcquireIsExclusiveUntilRelease) {
  Tracker t;
  EXPECT_TRUE(t.try_acquire(7));
  EXPECT_FALSE(t.try_acquire(7));
  EXPECT_TRUE(t.held(7));
  t.release(7);
  EXPECT_FALSE(t.held(7));
  EXPECT_TRUE(t.try_acquire(7));
}

TEST(Tracker, ReleasingAnUnheldUidIsHarmless) {
  Tracker t;
  t.release(1);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Tracker, ClearForgetsEverything) {
  Tracker t;
  t.try_acquire(1);
  t.try_acquire(2);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.try_acquire(1));
}

TEST(Tracker, ExactlyOneThreadWinsEachUid) {
  Tracker t;
  constexpr int kThreads = 8, kUids = 2000;
  std::atomic<int> wins{0};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        for (Tracker::Uid u = 1; u <= kUids; ++u) {
          if (t.try_acquire(u)) wins.fetch_add(1);
        }
      });
    }
  }
  EXPECT_EQ(wins.load(), kUids);
  EXPECT_EQ(t.size(), static_cast<std::size_t>(kUids));
}

}  // namespace
}  // namespace raven::tracker
