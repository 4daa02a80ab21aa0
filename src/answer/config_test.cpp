#include "answer/config.hpp"

#include <gtest/gtest.h>

namespace raven::answer {
namespace {

Config valid() {
  Config c;
  c.from = "Raven <raven@example.com>";
  return c;
}

TEST(AnswerConfig, DefaultsWithAFromAreValid) { EXPECT_TRUE(valid().validate().empty()); }

TEST(AnswerConfig, FromIsRequired) {
  Config c;
  auto p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "from");
}

TEST(AnswerConfig, KeywordsMustBeAtomsAndMailboxesSingleLine) {
  Config c = valid();
  c.failed_keyword = "$Raven Failed";
  c.skipped_keyword = "x)";
  c.sent_mailbox = "Sent\r\nA1 DELETE INBOX";
  auto p = c.validate();
  ASSERT_EQ(p.size(), 3u);
}

TEST(AnswerConfig, DraftModeNeedsADraftsMailbox) {
  Config c = valid();
  c.mode = Mode::draft;
  c.drafts_mailbox = "";
  ASSERT_EQ(c.validate().size(), 1u);
}

TEST(AnswerConfig, RetryBoundsAreChecked) {
  Config c = valid();
  c.retry_initial = std::chrono::minutes(5);
  c.retry_max = std::chrono::minutes(1);
  c.max_attempts = 0;
  ASSERT_EQ(c.validate().size(), 2u);
}

}  // namespace
}  // namespace raven::answer
