// parse_duration against Go's own time.ParseDuration test tables.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "config/config.hpp"

namespace raven::config {
namespace {

constexpr std::int64_t ns = 1;
constexpr std::int64_t us = 1'000 * ns;
constexpr std::int64_t ms = 1'000 * us;
constexpr std::int64_t s = 1'000 * ms;
constexpr std::int64_t m = 60 * s;
constexpr std::int64_t h = 60 * m;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

struct Valid {
  const char* in;
  std::int64_t want;
};

// Go's parseDurationTests (src/time/time_test.go).
const Valid kValid[] = {
    {"0", 0},
    {"5s", 5 * s},
    {"30s", 30 * s},
    {"1478s", 1478 * s},
    {"-5s", -5 * s},
    {"+5s", 5 * s},
    {"-0", 0},
    {"+0", 0},
    {"5.0s", 5 * s},
    {"5.6s", 5 * s + 600 * ms},
    {"5.s", 5 * s},
    {".5s", 500 * ms},
    {"1.0s", 1 * s},
    {"1.00s", 1 * s},
    {"1.004s", 1 * s + 4 * ms},
    {"1.0040s", 1 * s + 4 * ms},
    {"100.00100s", 100 * s + 1 * ms},
    {"10ns", 10 * ns},
    {"11us", 11 * us},
    {"12\u00b5s", 12 * us},  // micro sign
    {"12\u03bcs", 12 * us},  // Greek mu
    {"13ms", 13 * ms},
    {"14s", 14 * s},
    {"15m", 15 * m},
    {"16h", 16 * h},
    {"3h30m", 3 * h + 30 * m},
    {"10.5s4m", 4 * m + 10 * s + 500 * ms},
    {"-2m3.4s", -(2 * m + 3 * s + 400 * ms)},
    {"1h2m3s4ms5us6ns", 1 * h + 2 * m + 3 * s + 4 * ms + 5 * us + 6 * ns},
    {"39h9m14.425s", 39 * h + 9 * m + 14 * s + 425 * ms},
    {"52763797000ns", 52763797000 * ns},
    {"0.3333333333333333333h", 20 * m},
    {"9007199254740993ns", (std::int64_t{1} << 53) + 1},
    {"9223372036854775807ns", kMax},
    {"9223372036854775.807us", kMax},
    {"9223372036s854ms775us807ns", kMax},
    {"-9223372036854775808ns", kMin},
    {"-9223372036854775.808us", kMin},
    {"-9223372036s854ms775us808ns", kMin},
    {"-2562047h47m16.854775808s", kMin},
    {"0.100000000000000000000h", 6 * m},
    {"0.830103483285477580700h", 49 * m + 48 * s + 372539827 * ns},
    // The brief's examples.
    {"300ms", 300 * ms},
    {"1.5h", 90 * m},
    {"2h45m", 2 * h + 45 * m},
    {"1m30s", 90 * s},
    {"-1m", -1 * m},
};

TEST(ConfigDuration, AcceptsWhatGoAccepts) {
  for (const auto& c : kValid) {
    std::string error;
    auto d = parse_duration(c.in, &error);
    ASSERT_TRUE(d.has_value()) << c.in << ": " << error;
    EXPECT_EQ(d->count(), c.want) << c.in;
  }
}

struct Invalid {
  const char* in;
  const char* error_contains;
};

// Go's parseDurationErrorTests, plus cases a config author is likely to write.
const Invalid kInvalid[] = {
    {"", "invalid duration \"\""},
    {"3", "missing unit in duration \"3\""},
    {"-", "invalid duration"},
    {"s", "invalid duration"},
    {".", "invalid duration"},
    {"-.", "invalid duration"},
    {".s", "invalid duration"},
    {"+.s", "invalid duration"},
    {"1d", "unknown unit \"d\""},
    {"\x85\x85", "invalid duration"},
    {"\xff"
     "ff",
     "invalid duration"},
    {"hello \xff"
     "ff world",
     "invalid duration"},
    {"\xef\xbf\xbd", "invalid duration"},
    {"9223372036854775810ns", "out of range"},
    {"9223372036854775808ns", "out of range"},
    {"-9223372036854775809ns", "out of range"},
    {"9223372036854776us", "out of range"},
    {"3000000h", "out of range"},
    {"9223372036854775.808us", "out of range"},
    {"9223372036854ms775us808ns", "out of range"},
    {"00", "missing unit"},
    {"1.5", "missing unit"},
    {"60", "missing unit"},
    {"1h 30m", "unknown unit \"h \""},
    {" 5s", "invalid duration"},
    {"5S", "unknown unit \"S\""},
    {"1sec", "unknown unit \"sec\""},
    {"--1s", "invalid duration"},
    {"1e3s", "unknown unit \"e\""},
};

TEST(ConfigDuration, RejectsWhatGoRejects) {
  for (const auto& c : kInvalid) {
    std::string error;
    auto d = parse_duration(c.in, &error);
    EXPECT_FALSE(d.has_value()) << c.in << " parsed as " << (d ? d->count() : 0);
    EXPECT_NE(error.find(c.error_contains), std::string::npos) << c.in << ": " << error;
  }
}

TEST(ConfigDuration, ErrorIsOptional) {
  EXPECT_FALSE(parse_duration("x").has_value());
}

}  // namespace
}  // namespace raven::config
