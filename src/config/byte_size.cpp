// parse_byte_size: "65536", "64KiB", "1 MiB". Binary units only: "KB" means
// 1000 to some and 1024 to others, so it is refused with a pointer to KiB
// instead of being guessed.
#include <array>
#include <cstdint>
#include <limits>

#include "common/text.hpp"
#include "config/config.hpp"

namespace raven::config {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t bytes;
};

constexpr std::array<Unit, 4> kUnits{{
    {"B", 1},
    {"KiB", std::uint64_t{1} << 10},
    {"MiB", std::uint64_t{1} << 20},
    {"GiB", std::uint64_t{1} << 30},
}};

// Decimal-looking units (any case): k, kb, m, mb, g, gb → what to write instead.
std::string_view binary_for(std::string_view unit) {
  const std::string lower = ascii_lower(unit);
  if (lower == "k" || lower == "kb") return "KiB";
  if (lower == "m" || lower == "mb") return "MiB";
  if (lower == "g" || lower == "gb") return "GiB";
  return {};
}

bool fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

bool parse(std::string_view text, std::uint64_t& out, std::string* error) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::string_view s = text;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    const auto d = static_cast<std::uint64_t>(s[digits] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
      return fail(error, "byte size " + quoted + " is too large");
    value = value * 10 + d;
    ++digits;
  }
  if (digits == 0) return fail(error, "invalid byte size " + quoted);
  s.remove_prefix(digits);
  if (!s.empty() && (s.front() == '.' || s.front() == ',')) {
    return fail(error, "byte size " + quoted + " must be a whole number (use a smaller unit)");
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty()) {
    out = value;
    return true;
  }
  for (const Unit& unit : kUnits) {
    if (s != unit.name) continue;
    if (value > std::numeric_limits<std::uint64_t>::max() / unit.bytes)
      return fail(error, "byte size " + quoted + " is too large");
    out = value * unit.bytes;
    return true;
  }
  if (const std::string_view instead = binary_for(s); !instead.empty()) {
    return fail(error, "ambiguous unit \"" + std::string(s) + "\" in byte size " + quoted + " (write " +
                           std::string(instead) + ": units are 1024-based)");
  }
  return fail(
      error, "unknown unit \"" + std::string(s) + "\" in byte size " + quoted + " (units: B, KiB, MiB, GiB)");
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* error) {
  std::uint64_t value = 0;
  if (!parse(text, value, error)) return std::nullopt;
  return value;
}

}  // namespace raven::config
