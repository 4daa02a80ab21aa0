#include "message/header_repair.hpp"

#include <gtest/gtest.h>

namespace raven::message {
namespace {

constexpr std::size_t kLimit = 256 * 1024;

TEST(HeaderRepair, WellFormedMessageIsUnchanged) {
  const std::string m = "From: a@example.com\r\nSubject: x\r\n y\r\n\r\nbody\r\n";
  const RepairedMessage r = repair_message(m, kLimit);
  EXPECT_EQ(r.bytes, m);
  EXPECT_FALSE(r.header_truncated || r.header_missing || r.separator_inserted);
}

TEST(HeaderRepair, ByteOrderMarkAndMboxLine) {
  EXPECT_EQ(repair_message("\xEF\xBB\xBF"
                           "From: a@x\n\nb",
                           kLimit)
                .bytes,
            "From: a@x\n\nb");
  EXPECT_EQ(repair_message("From a@x Mon Jan 1 00:00:00 2024\nFrom: a@x\n\nb", kLimit).bytes,
            "From: a@x\n\nb");
}

TEST(HeaderRepair, BlankLinesBeforeTheFirstField) {
  EXPECT_EQ(repair_message("    \nFrom: a@x\n\nb", kLimit).bytes, "From: a@x\n\nb");
}

TEST(HeaderRepair, NoHeaderBlock) {
  const RepairedMessage r = repair_message("Hello there,\nthis is text.\n", kLimit);
  EXPECT_TRUE(r.header_missing);
  EXPECT_EQ(r.bytes, "\nHello there,\nthis is text.\n");
}

TEST(HeaderRepair, MissingSeparator) {
  const RepairedMessage r = repair_message("From: a@x\r\nSubject: s\r\nbody text here\r\nmore\r\n", kLimit);
  EXPECT_TRUE(r.separator_inserted);
  EXPECT_EQ(r.bytes, "From: a@x\r\nSubject: s\r\n\r\nbody text here\r\nmore\r\n");
}

TEST(HeaderRepair, FoldingThatLostItsWhiteSpace) {
  const RepairedMessage r = repair_message("Received: from x\nby y with SMTP\nFrom: a@x\n\nbody", kLimit);
  EXPECT_FALSE(r.separator_inserted);
  EXPECT_EQ(r.bytes, "Received: from x\n by y with SMTP\nFrom: a@x\n\nbody");
}

TEST(HeaderRepair, OversizedHeaderIsCut) {
  std::string m = "From: a@x\n";
  m += "X-Big: " + std::string(1000, 'a') + "\n";
  m += "Subject: late\n\nbody";
  const RepairedMessage r = repair_message(m, 100);
  EXPECT_TRUE(r.header_truncated);
  EXPECT_EQ(r.bytes, "From: a@x\n\nbody");
}

}  // namespace
}  // namespace raven::message
