#include "message/quote_split.hpp"

#include <gtest/gtest.h>

namespace raven::message {
namespace {

TEST(QuoteSplit, NoHistory) {
  const SplitText s = split_quoted("\n\nHello,\n\nplease help.\n\n");
  EXPECT_EQ(s.text, "Hello,\n\nplease help.");
  EXPECT_EQ(s.quoted, "");
}

TEST(QuoteSplit, AttributionAndQuotedLines) {
  const SplitText s = split_quoted(
      "Yes, Tuesday works.\n\nOn Mon, 1 Jan 2024 at 10:00, Bob <bob@example.com> wrote:\n> Does Tuesday "
      "work?\n>\n> Bob\n");
  EXPECT_EQ(s.text, "Yes, Tuesday works.");
  EXPECT_EQ(s.quoted,
            "On Mon, 1 Jan 2024 at 10:00, Bob <bob@example.com> wrote:\n> Does Tuesday work?\n>\n> Bob");
}

TEST(QuoteSplit, GmailWrapsTheAttribution) {
  const SplitText s = split_quoted(
      "Thanks!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Robert Example <\nrobert@example.com> wrote:\n\n> "
      "question\n");
  EXPECT_EQ(s.text, "Thanks!");
  EXPECT_EQ(s.quoted.rfind("On Mon, Jan 1, 2024", 0), 0u);
}

TEST(QuoteSplit, OtherLanguages) {
  EXPECT_EQ(split_quoted("Danke\n\nAm 01.01.2024 um 10:00 schrieb Bob <b@x.de>:\n> Frage\n").text, "Danke");
  EXPECT_EQ(split_quoted("Merci\n\nLe lun. 1 janv. 2024, Bob <b@x.fr> a écrit :\n> question\n").text,
            "Merci");
}

TEST(QuoteSplit, OutlookOriginalMessage) {
  const SplitText s =
      split_quoted("See below.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nSubject: Q\n\nold\n");
  EXPECT_EQ(s.text, "See below.");
  EXPECT_EQ(s.quoted, "-----Original Message-----\nFrom: Bob\nSent: Monday\nSubject: Q\n\nold");
}

TEST(QuoteSplit, OutlookHeaderBlock) {
  const SplitText s = split_quoted(
      "Done.\n\n________________________________\nFrom: Bob Example <bob@example.com>\nSent: Monday, January "
      "1, 2024 "
      "10:00 AM\nTo: Help <help@example.com>\nSubject: Printer\n\nThe printer is broken.\n");
  EXPECT_EQ(s.text, "Done.");
  EXPECT_EQ(s.quoted.rfind("________________________________\nFrom: Bob", 0), 0u);
  EXPECT_NE(s.quoted.find("The printer is broken."), std::string::npos);
}

TEST(QuoteSplit, FromLineAloneIsNotHistory) {
  const SplitText s = split_quoted("Please update my address.\nFrom: old street\nTo: new street\n");
  EXPECT_EQ(s.quoted, "");
}

TEST(QuoteSplit, TrailingQuotedBlockWithoutAttribution) {
  const SplitText s = split_quoted("Answer on top.\n-- \nAlice\n\n> the question\n> more\n\n");
  EXPECT_EQ(s.text, "Answer on top.\n-- \nAlice");
  EXPECT_EQ(s.quoted, "> the question\n> more");
}

TEST(QuoteSplit, InterleavedReplyStaysWhole) {
  const std::string body = "> first question\nfirst answer\n\n> second question\nsecond answer\n";
  const SplitText s = split_quoted(body);
  EXPECT_EQ(s.text, "> first question\nfirst answer\n\n> second question\nsecond answer");
  EXPECT_EQ(s.quoted, "");
}

TEST(QuoteSplit, BottomPostedReplyStaysWhole) {
  const SplitText s = split_quoted("On Monday, Bob wrote:\n> question\n\nmy answer\n");
  EXPECT_EQ(s.text, "On Monday, Bob wrote:\n> question\n\nmy answer");
  EXPECT_EQ(s.quoted, "");
}

TEST(QuoteSplit, OnlyQuotes) {
  const SplitText s = split_quoted("> just\n> quotes\n");
  EXPECT_EQ(s.text, "> just\n> quotes");  // nothing above it: not split
  EXPECT_EQ(s.quoted, "");
}

}  // namespace
}  // namespace raven::message
