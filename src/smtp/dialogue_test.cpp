#include "smtp/dialogue.hpp"

#include <gtest/gtest.h>

namespace raven::smtp {
namespace {

TEST(SmtpDialogue, PairsEachRcptWithItsReply) {
  Dialogue d;
  d.reset(3);
  d.on_received("220 smtp.example ESMTP\r\n");
  d.on_sent("EHLO localhost\r\n");
  d.on_received("250-smtp.example\r\n");
  d.on_received("250 8BITMIME\r\n");
  d.on_sent("MAIL FROM:<a@x> SIZE=10\r\n");
  d.on_received("250 OK\r\n");
  d.on_sent("RCPT TO:<b@x>\r\n");
  d.on_received("250 OK\r\n");
  d.on_sent("RCPT TO:<c@x>\r\n");
  d.on_received("550 5.1.1 <c@x>: no such user\r\n");
  d.on_sent("RCPT TO:<d@x>\r\n");
  d.on_received("451 4.3.0 try later\r\n");
  ASSERT_EQ(d.rcpt_replies().size(), 3u);
  EXPECT_EQ(d.rcpt_replies()[0].code, 250);
  EXPECT_EQ(d.rcpt_replies()[1].code, 550);
  EXPECT_EQ(d.rcpt_replies()[1].text, "5.1.1 <c@x>: no such user");
  EXPECT_EQ(d.rcpt_replies()[2].code, 451);
  EXPECT_EQ(d.last_reply().stage, Stage::rcpt);
  EXPECT_FALSE(d.data_sent());
}

TEST(SmtpDialogue, FollowsDataAndTheVerdict) {
  Dialogue d;
  d.reset(1);
  d.on_sent("MAIL FROM:<a@x>\r\n");
  d.on_received("250 OK\r\n");
  d.on_sent("RCPT TO:<b@x>\r\n");
  d.on_received("250 OK\r\n");
  d.on_sent("DATA\r\n");
  d.on_received("354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_TRUE(d.data_sent());
  EXPECT_FALSE(d.outcome_unknown());
  d.on_message_sent();
  EXPECT_TRUE(d.outcome_unknown());  // sent, no verdict yet
  d.on_received("554 5.0.0 message refused\r\n");
  EXPECT_FALSE(d.outcome_unknown());
  EXPECT_EQ(d.last_reply().stage, Stage::end_of_data);
  EXPECT_EQ(d.last_reply().code, 554);
}

TEST(SmtpDialogue, JoinsMultiLineRepliesAndSanitises) {
  Dialogue d;
  d.reset(0);
  d.on_received("421-first\r\n421 second\x01 line\r\n");
  EXPECT_EQ(d.last_reply().code, 421);
  EXPECT_EQ(d.last_reply().text, "first / second? line");
  EXPECT_EQ(d.last_reply().stage, Stage::greeting);
}

TEST(SmtpDialogue, CapsReplyText) {
  Dialogue d;
  d.reset(0);
  d.on_received("554 " + std::string(5000, 'x') + "\r\n");
  EXPECT_EQ(d.last_reply().code, 554);
  EXPECT_LE(d.last_reply().text.size(), Dialogue::max_text);
}

TEST(SmtpDialogue, HandlesLinesSplitAcrossChunks) {
  Dialogue d;
  d.reset(0);
  d.on_received("250 O");
  EXPECT_FALSE(d.has_reply());
  d.on_received("K\r\n");
  EXPECT_EQ(d.last_reply().code, 250);
  EXPECT_EQ(d.last_reply().text, "OK");
}

TEST(SmtpDialogue, SkipsSaslContinuationLines) {
  // AUTH LOGIN: the client's base64 answers must not be taken for commands,
  // even when one happens to look like a verb.
  Dialogue d;
  d.reset(1);
  d.on_sent("AUTH LOGIN\r\n");
  d.on_received("334 VXNlciBOYW1lAA==\r\n");
  d.on_sent("RCPT\r\n");  // a (contrived) base64 user name
  d.on_received("334 UGFzc3dvcmQA\r\n");
  d.on_sent("DATA\r\n");  // a (contrived) base64 password
  d.on_received("535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(d.last_reply().stage, Stage::auth);
  EXPECT_EQ(d.last_reply().code, 535);
  EXPECT_FALSE(d.data_sent());
  EXPECT_EQ(d.rcpt_replies()[0].code, 0);
}

TEST(SmtpDialogue, CommandSplitAcrossChunksCountsOnce) {
  Dialogue d;
  d.reset(2);
  d.on_sent("RCPT TO:<b");
  d.on_sent("@x>\r\n");
  d.on_received("250 OK\r\n");
  d.on_sent("RCPT TO:<c@x>\r\n");
  d.on_received("550 no\r\n");
  EXPECT_EQ(d.rcpt_replies()[0].code, 250);
  EXPECT_EQ(d.rcpt_replies()[1].code, 550);
}

TEST(SmtpDialogue, TheReplyToQuitDoesNotHideTheFailure) {
  Dialogue d;
  d.reset(1);
  d.on_sent("MAIL FROM:<a@x>\r\n");
  d.on_received("553 5.7.1 not yours\r\n");
  d.on_sent("QUIT\r\n");
  d.on_received("221 Bye\r\n");
  EXPECT_EQ(d.last_reply().code, 553);
  EXPECT_EQ(d.last_reply().stage, Stage::mail);
}

TEST(SmtpDialogue, ResetForgetsThePreviousTransfer) {
  Dialogue d;
  d.reset(1);
  d.on_sent("RCPT TO:<b@x>\r\n");
  d.on_received("550 no\r\n");
  d.reset(1);
  EXPECT_FALSE(d.has_reply());
  EXPECT_EQ(d.rcpt_replies()[0].code, 0);
}

}  // namespace
}  // namespace raven::smtp
