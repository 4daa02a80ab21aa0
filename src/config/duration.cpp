// parse_duration: a faithful port of Go's time.ParseDuration (Go 1.21), so a
// config written for the Go seed reads the same here, including its corner
// cases: "0" alone needs no unit, ".5s" and "5.s" are valid, a fraction is
// truncated to the nanosecond through float64 as Go does, and the range is
// exactly that of int64 nanoseconds (-2562047h47m16.854775808s is the minimum).
#include <array>
#include <cstdint>
#include <limits>

#include "config/config.hpp"

namespace raven::config {
namespace {

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

struct Unit {
  std::string_view name;
  std::uint64_t nanoseconds;
};

// "µs" is U+00B5 (micro sign), "μs" U+03BC (Greek mu); Go accepts both.
constexpr std::array<Unit, 8> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\u00b5s", 1'000},
    {"\u03bcs", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Go's leadingInt: consumes [0-9]*; false on overflow past 1<<63.
bool leading_int(std::string_view& s, std::uint64_t& x) {
  x = 0;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (x > kSignBit / 10) return false;
    x = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (x > kSignBit) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Go's leadingFraction: consumes [0-9]*, silently dropping precision that
// would overflow.
void leading_fraction(std::string_view& s, std::uint64_t& x, double& scale) {
  x = 0;
  scale = 1;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kSignBit - 1) / 10) {
      overflow = true;
      continue;
    }
    std::uint64_t y = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (y > kSignBit) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

std::optional<std::chrono::nanoseconds> fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text, std::string* error) {
  std::string_view s = text;
  const std::string quoted = "\"" + std::string(text) + "\"";
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return fail(error, "invalid duration " + quoted);

  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || is_digit(s.front()))) return fail(error, "invalid duration " + quoted);

    const std::size_t before_int = s.size();
    std::uint64_t whole = 0;
    if (!leading_int(s, whole)) return fail(error, "duration out of range " + quoted);
    const bool has_int = s.size() != before_int;

    std::uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      const std::size_t before_fraction = s.size();
      leading_fraction(s, fraction, scale);
      has_fraction = s.size() != before_fraction;
    }
    if (!has_int && !has_fraction) return fail(error, "invalid duration " + quoted);

    std::size_t unit_length = 0;
    while (unit_length < s.size() && s[unit_length] != '.' && !is_digit(s[unit_length])) ++unit_length;
    if (unit_length == 0) return fail(error, "missing unit in duration " + quoted);
    const std::string_view unit_name = s.substr(0, unit_length);
    s.remove_prefix(unit_length);

    std::uint64_t unit = 0;
    for (const auto& u : kUnits) {
      if (u.name == unit_name) unit = u.nanoseconds;
    }
    if (unit == 0) {
      return fail(error, "unknown unit \"" + std::string(unit_name) + "\" in duration " + quoted +
                             " (units: ns, us, ms, s, m, h)");
    }
    if (whole > kSignBit / unit) return fail(error, "duration out of range " + quoted);
    whole *= unit;
    if (fraction > 0) {
      // As Go: float64 keeps nanosecond accuracy for fractions of an hour.
      whole +=
          static_cast<std::uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit) / scale));
      if (whole > kSignBit) return fail(error, "duration out of range " + quoted);
    }
    total += whole;
    if (total > kSignBit) return fail(error, "duration out of range " + quoted);
  }
  if (negative) {
    // total <= 1<<63 here; the two's-complement negation is exact, -(1<<63) included.
    return std::chrono::nanoseconds(static_cast<std::int64_t>(~total + 1));
  }
  if (total > kSignBit - 1) return fail(error, "duration out of range " + quoted);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

}  // namespace raven::config
