#include "intake/config.hpp"

#include <gtest/gtest.h>

namespace raven::intake {
namespace {

using namespace std::chrono_literals;

TEST(IntakeConfig, IdleModeNeedsNoPollInterval) {
  Config c;
  c.mode = Mode::idle;
  EXPECT_TRUE(c.validate().empty());
}

TEST(IntakeConfig, PollModeRequiresPollInterval) {
  Config c;
  c.mode = Mode::poll;
  auto p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "poll_interval");
  c.poll_interval = 30s;
  EXPECT_TRUE(c.validate().empty());
}

TEST(IntakeConfig, IdleRefreshMustBePositiveAndWithinRfc2177) {
  Config c;
  c.idle_refresh = 0ms;
  EXPECT_EQ(c.validate().size(), 1u);
  c.idle_refresh = 30min;
  EXPECT_EQ(c.validate().size(), 1u);
  c.idle_refresh = 29min;
  EXPECT_TRUE(c.validate().empty());
}

}  // namespace
}  // namespace raven::intake
