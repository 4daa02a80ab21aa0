#include "config/suggest.hpp"

#include <gtest/gtest.h>

#include <array>

namespace raven::config::detail {
namespace {

TEST(ConfigEditDistance, CountsTranspositionsOnce) {
  EXPECT_EQ(edit_distance("host", "host"), 0u);
  EXPECT_EQ(edit_distance("hots", "host"), 1u);
  EXPECT_EQ(edit_distance("hst", "host"), 1u);
  EXPECT_EQ(edit_distance("hostt", "host"), 1u);
  EXPECT_EQ(edit_distance("HOST", "host"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ConfigDidYouMean, SuggestsOnlyPlausibleTypos) {
  constexpr std::array<std::string_view, 4> keys{"host", "port", "username", "poll_interval"};
  EXPECT_EQ(did_you_mean("hots", keys), "did you mean \"host\"?");
  EXPECT_EQ(did_you_mean("usrname", keys), "did you mean \"username\"?");
  EXPECT_EQ(did_you_mean("pollinterval", keys), "did you mean \"poll_interval\"?");
  EXPECT_EQ(did_you_mean("Port", keys), "did you mean \"port\"?");
  EXPECT_EQ(did_you_mean("user", keys), "did you mean \"username\"?");
  EXPECT_EQ(did_you_mean("hostname", keys), "did you mean \"host\"?");
  EXPECT_EQ(did_you_mean("po", keys), "");
  EXPECT_EQ(did_you_mean("timeout", keys), "");
  EXPECT_EQ(did_you_mean("xyzw", keys), "");
}

}  // namespace
}  // namespace raven::config::detail
