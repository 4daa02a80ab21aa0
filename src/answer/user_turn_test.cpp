#include "answer/user_turn.hpp"

#include <gtest/gtest.h>

namespace raven::answer {
namespace {

TEST(UserTurn, ShowsSenderSubjectAttachmentsAndText) {
  message::Request r;
  r.from = {"Alice Example", "alice@example.com"};
  r.subject = "Order 42";
  r.date_raw = "Sat, 28 Nov 2026 10:00:00 +0000";
  r.text = "Where is my order?";
  r.attachments.push_back({"invoice.pdf", "application/pdf", 3 * 1024 * 1024, "2", false});
  auto turn = render_user_turn(r);
  EXPECT_EQ(turn,
            "From: Alice Example <alice@example.com>\n"
            "Subject: Order 42\n"
            "Date: Sat, 28 Nov 2026 10:00:00 +0000\n"
            "Attachments (not included):\n"
            "- invoice.pdf (application/pdf, 3 MB)\n"
            "\n"
            "Where is my order?");
}

TEST(UserTurn, QuotedHistoryIsMarkedAndCapped) {
  message::Request r;
  r.from = {"", "bob@example.org"};
  r.text = "Yes.";
  r.quoted = std::string(10000, 'q');
  r.truncated = true;
  auto turn = render_user_turn(r, 100);
  EXPECT_NE(turn.find("[The message was longer; the rest was cut.]"), std::string::npos);
  EXPECT_NE(turn.find("[Earlier messages quoted below the new text:]\n" + std::string(100, 'q') + "\n[…]"),
            std::string::npos);
  EXPECT_LT(turn.size(), 400u);
}

}  // namespace
}  // namespace raven::answer
