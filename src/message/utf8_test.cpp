#include "message/utf8.hpp"

#include <gtest/gtest.h>

namespace raven::message {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, SanitizeKeepsValidText) {
  EXPECT_EQ(sanitize_utf8("héllo 📧"), "héllo 📧");
}

TEST(Utf8, SanitizeReplacesInvalidSequences) {
  EXPECT_EQ(sanitize_utf8("a\xE9"
                          "b"),
            "a" + kFFFD + "b");                                                 // latin1 byte
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFFFD + kFFFD);                          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFFFD + kFFFD + kFFFD);              // surrogate
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);  // > U+10FFFF
  EXPECT_EQ(sanitize_utf8("x\xE2\x82"), "x" + kFFFD + kFFFD);                   // cut short
  EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3)), "ab");                       // NUL dropped
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xFF\xFE\x80garbage\xC3")));
}

TEST(Utf8, TruncateNeverSplitsACharacter) {
  const std::string s = "abé€";  // a b é €
  EXPECT_EQ(truncate_utf8(s, 100), s);
  EXPECT_EQ(truncate_utf8(s, 3), "ab");
  EXPECT_EQ(truncate_utf8(s, 4), "abé");
  EXPECT_EQ(truncate_utf8(s, 6), "abé");
  EXPECT_EQ(truncate_utf8(s, 0), "");
}

TEST(Utf8, NormalizeNewlines) {
  EXPECT_EQ(normalize_newlines("a\r\nb\rc\nd\r\n\r\n"), "a\nb\nc\nd\n\n");
}

TEST(Utf8, HeaderSafeRemovesLineBreaksAndControls) {
  EXPECT_EQ(header_safe("a\r\nBcc: x"), "a Bcc: x");
  EXPECT_EQ(header_safe("  tab\there\x01\x7F end  "), "tab here end");
  EXPECT_EQ(header_safe("line\xE2\x80\xA8sep"), "line sep");  // U+2028
  EXPECT_EQ(header_safe("\xC2\x85next"), "next");             // U+0085 NEL
  EXPECT_EQ(header_safe(std::string("nul\0byte", 8)), "nulbyte");
  EXPECT_EQ(header_safe("abcé", 4), "abc");
}

}  // namespace
}  // namespace raven::message
