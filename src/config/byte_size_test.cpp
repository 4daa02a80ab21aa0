// parse_byte_size: plain bytes and binary units; decimal units refused.
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace raven::config {
namespace {

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_byte_size(text, &error).has_value()) << text;
  return error;
}

TEST(ConfigByteSize, PlainIntegersAreBytes) {
  EXPECT_EQ(parse_byte_size("0"), 0u);
  EXPECT_EQ(parse_byte_size("65536"), 65536u);
  EXPECT_EQ(parse_byte_size("18446744073709551615"), 18446744073709551615u);
}

TEST(ConfigByteSize, BinaryUnits) {
  EXPECT_EQ(parse_byte_size("512B"), 512u);
  EXPECT_EQ(parse_byte_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_byte_size("1MiB"), 1024u * 1024);
  EXPECT_EQ(parse_byte_size("4MiB"), 4u << 20);
  EXPECT_EQ(parse_byte_size("2GiB"), std::uint64_t{2} << 30);
  EXPECT_EQ(parse_byte_size("64 KiB"), 64u * 1024);
  EXPECT_EQ(parse_byte_size("0KiB"), 0u);
}

TEST(ConfigByteSize, Malformed) {
  EXPECT_EQ(error_of(""), "invalid byte size \"\"");
  EXPECT_EQ(error_of("KiB"), "invalid byte size \"KiB\"");
  EXPECT_EQ(error_of("-1"), "invalid byte size \"-1\"");
  EXPECT_EQ(error_of("+1"), "invalid byte size \"+1\"");
  EXPECT_EQ(error_of("1.5MiB"), "byte size \"1.5MiB\" must be a whole number (use a smaller unit)");
  EXPECT_EQ(error_of("64kib"), "unknown unit \"kib\" in byte size \"64kib\" (units: B, KiB, MiB, GiB)");
  EXPECT_EQ(error_of("1TiB"), "unknown unit \"TiB\" in byte size \"1TiB\" (units: B, KiB, MiB, GiB)");
  EXPECT_EQ(error_of("1 2"), "unknown unit \"2\" in byte size \"1 2\" (units: B, KiB, MiB, GiB)");
}

TEST(ConfigByteSize, DecimalUnitsAreAmbiguous) {
  EXPECT_EQ(error_of("512KB"),
            "ambiguous unit \"KB\" in byte size \"512KB\" (write KiB: units are 1024-based)");
  EXPECT_EQ(error_of("512k"), "ambiguous unit \"k\" in byte size \"512k\" (write KiB: units are 1024-based)");
  EXPECT_EQ(error_of("1MB"), "ambiguous unit \"MB\" in byte size \"1MB\" (write MiB: units are 1024-based)");
  EXPECT_EQ(error_of("1g"), "ambiguous unit \"g\" in byte size \"1g\" (write GiB: units are 1024-based)");
}

TEST(ConfigByteSize, Overflow) {
  EXPECT_EQ(error_of("18446744073709551616"), "byte size \"18446744073709551616\" is too large");
  EXPECT_EQ(error_of("17179869184GiB"), "byte size \"17179869184GiB\" is too large");
  EXPECT_EQ(parse_byte_size("17179869183GiB"), std::uint64_t{17179869183} << 30);
}

TEST(ConfigByteSize, ErrorIsOptional) {
  EXPECT_FALSE(parse_byte_size("x").has_value());
}

}  // namespace
}  // namespace raven::config
