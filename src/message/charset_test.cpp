#include "message/charset.hpp"

#include <gtest/gtest.h>

#include "message/init.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

class Charset : public ::testing::Test {
 protected:
  void SetUp() override { init(); }
};

TEST_F(Charset, Latin1) {
  EXPECT_EQ(to_utf8("Fr\xF6sche", "iso-8859-1"), "Frösche");
}

TEST_F(Charset, Windows1252QuotesAndEuro) {
  EXPECT_EQ(to_utf8("\x93hi\x94 \x80", "windows-1252"), "“hi” €");
}

TEST_F(Charset, NamesAreCaseInsensitiveAndAliased) {
  EXPECT_EQ(to_utf8("\xB1", " ISO-8859-2 "), "ą");         // ą
  EXPECT_EQ(to_utf8("\xB0\xA1", "ks_c_5601-1987"), "가");  // 가 (Outlook's cp949 alias)
  EXPECT_EQ(to_utf8("\xE1", "koi8-r"), "А");               // А
}

TEST_F(Charset, StatefulCharsets) {
  EXPECT_EQ(to_utf8("\x1B$B$3$s$K$A$O\x1B(B", "iso-2022-jp"),
            "こんにちは");  // こんにちは
  EXPECT_EQ(to_utf8("Fr+APY-sche", "utf-7"), "Frösche");
}

TEST_F(Charset, UnknownCharsetFallsBack) {
  EXPECT_EQ(to_utf8("café", "x-unknown"), "café");     // valid UTF-8 stays
  EXPECT_EQ(to_utf8("caf\xE9", "x-invalid"), "café");  // else windows-1252
  EXPECT_EQ(to_utf8("caf\xE9", ""), "café");
  EXPECT_EQ(to_utf8("caf\xE9", "us-ascii"), "café");
}

TEST_F(Charset, InvalidBytesAreReplacedNotFatal) {
  EXPECT_EQ(to_utf8("ok\xFFok", "utf-8"), "ok" + kFFFD + "ok");
  const std::string cut = to_utf8("\x82\xA0\x82", "shift_jis");  // あ, then half a character
  EXPECT_EQ(cut, "あ" + kFFFD);
  EXPECT_TRUE(is_valid_utf8(to_utf8("\x80\x81\xFE\xFF", "gb18030")));
}

}  // namespace
}  // namespace raven::message
