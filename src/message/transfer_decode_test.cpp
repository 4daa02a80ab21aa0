#include "message/transfer_decode.hpp"

#include <gtest/gtest.h>

#include "message/init.hpp"

namespace raven::message {
namespace {

class TransferDecode : public ::testing::Test {
 protected:
  void SetUp() override { init(); }
};

TEST_F(TransferDecode, Base64) {
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8sIHdv\r\ncmxkIQ==\r\n", "base64", false), "Hello, world!");
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8=", " BASE64 ", false), "Hello");
}

TEST_F(TransferDecode, Base64CutMidQuantumDropsTheTail) {
  // "Hello, world!" = SGVsbG8s IHdv cmxk IQ==; cut after "cm".
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8sIHdv\r\ncm", "base64", true), "Hello, wo");
  EXPECT_EQ(decode_transfer_encoding("SGVsbG8sIHdv\r\n", "base64", true), "Hello, wo");
  EXPECT_EQ(decode_transfer_encoding("SGV", "base64", true), "");
}

TEST_F(TransferDecode, QuotedPrintable) {
  EXPECT_EQ(decode_transfer_encoding("Fr=C3=B6sche =\r\nund Hasen\r\n", "quoted-printable", false),
            "Fr\xC3\xB6sche und Hasen\r\n");
}

TEST_F(TransferDecode, QuotedPrintableCutInsideAnEscape) {
  EXPECT_EQ(decode_transfer_encoding("Fr=C3=B", "quoted-printable", true), "Fr\xC3");
  EXPECT_EQ(decode_transfer_encoding("Fr=C3=", "quoted-printable", true), "Fr\xC3");
  EXPECT_EQ(decode_transfer_encoding("Fr=C3=B6", "quoted-printable", true), "Fr\xC3\xB6");
  EXPECT_EQ(decode_transfer_encoding("soft =\r", "quoted-printable", true), "soft ");
}

TEST_F(TransferDecode, IdentityAndUnknownEncodings) {
  EXPECT_EQ(decode_transfer_encoding("as is =41", "7bit", false), "as is =41");
  EXPECT_EQ(decode_transfer_encoding("as is =41", "8bit", true), "as is =41");
  EXPECT_EQ(decode_transfer_encoding("as is =41", "", false), "as is =41");
  EXPECT_EQ(decode_transfer_encoding("as is =41", "7vladi.pimenovit", false), "as is =41");
}

}  // namespace
}  // namespace raven::message
