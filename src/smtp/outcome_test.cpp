#include "smtp/outcome.hpp"

#include <gtest/gtest.h>

#include <string>

namespace raven::smtp {
namespace {

// A dialogue that ended with `code text` in answer to `command` ("" = the
// greeting).
Dialogue ended_with(const std::string& command, const std::string& reply, std::size_t recipients = 1) {
  Dialogue d;
  d.reset(recipients);
  if (!command.empty()) d.on_sent(command + "\r\n");
  d.on_received(reply + "\r\n");
  return d;
}

TEST(SmtpOutcome, NetworkTroubleIsTransient) {
  Dialogue none;
  none.reset(1);
  for (CURLcode code : {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT,
                        CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR}) {
    EXPECT_EQ(classify(code, none), ErrorKind::transient) << curl_easy_strerror(code);
  }
}

TEST(SmtpOutcome, CancellationIsTransient) {
  Dialogue d = ended_with("DATA", "354 go ahead");
  EXPECT_EQ(classify(CURLE_ABORTED_BY_CALLBACK, d), ErrorKind::transient);
}

TEST(SmtpOutcome, FourHundredsAreTransientFiveHundredsPermanent) {
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("MAIL FROM:<a@x>", "451 4.3.0 later")),
            ErrorKind::transient);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("MAIL FROM:<a@x>", "553 5.7.1 not yours")),
            ErrorKind::permanent);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("RCPT TO:<b@x>", "550 5.1.1 unknown")),
            ErrorKind::permanent);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("RCPT TO:<b@x>", "450 4.2.0 busy")), ErrorKind::transient);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("DATA", "554 5.5.1 no valid recipients")),
            ErrorKind::permanent);

  Dialogue eod = ended_with("DATA", "354 go");
  eod.on_message_sent();
  eod.on_received("451 4.3.0 later\r\n");
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY, eod), ErrorKind::transient);
  eod = ended_with("DATA", "354 go");
  eod.on_received("552 5.3.4 too big\r\n");
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY, eod), ErrorKind::permanent);
}

TEST(SmtpOutcome, AllRecipientsRefusedIsTransientIfAnyRefusalWasTemporary) {
  Dialogue d;
  d.reset(2);
  d.on_sent("RCPT TO:<a@x>\r\n");
  d.on_received("450 4.2.1 mailbox busy\r\n");
  d.on_sent("RCPT TO:<b@x>\r\n");
  d.on_received("550 5.1.1 unknown\r\n");
  EXPECT_EQ(classify(CURLE_SEND_ERROR, d), ErrorKind::transient);
}

TEST(SmtpOutcome, ServiceClosingIsTransientAtAnyStage) {
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY, ended_with("", "421 4.3.2 shutting down")),
            ErrorKind::transient);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("MAIL FROM:<a@x>", "421 4.4.2 timeout")),
            ErrorKind::transient);
}

TEST(SmtpOutcome, AuthenticationRefusedIsFatal) {
  EXPECT_EQ(classify(CURLE_LOGIN_DENIED, ended_with("AUTH PLAIN AGZvbwBiYXI=", "535 5.7.8 invalid")),
            ErrorKind::fatal);
  EXPECT_EQ(classify(CURLE_SEND_ERROR, ended_with("MAIL FROM:<a@x>", "530 5.7.0 Authentication required")),
            ErrorKind::fatal);
  // "454 4.7.0 Temporary authentication failure" (RFC 4954 §6) is transient.
  EXPECT_EQ(classify(CURLE_LOGIN_DENIED, ended_with("AUTH PLAIN AGZvbwBiYXI=", "454 4.7.0 try later")),
            ErrorKind::transient);
  // No usable mechanism: libcurl gives up without a negative reply.
  EXPECT_EQ(classify(CURLE_LOGIN_DENIED, ended_with("EHLO localhost", "250 AUTH CRAM-MD5")),
            ErrorKind::fatal);
}

TEST(SmtpOutcome, CertificateAndMissingStarttlsAreFatal) {
  Dialogue none;
  none.reset(1);
  EXPECT_EQ(classify(CURLE_PEER_FAILED_VERIFICATION, none), ErrorKind::fatal);
  EXPECT_EQ(classify(CURLE_SSL_CACERT_BADFILE, none), ErrorKind::fatal);
  EXPECT_TRUE(is_certificate_failure(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_FALSE(is_certificate_failure(CURLE_SSL_CONNECT_ERROR));
  EXPECT_EQ(classify(CURLE_USE_SSL_FAILED, ended_with("EHLO localhost", "250 8BITMIME")), ErrorKind::fatal);
  EXPECT_EQ(classify(CURLE_USE_SSL_FAILED, ended_with("STARTTLS", "454 4.7.0 TLS not available now")),
            ErrorKind::transient);
}

TEST(SmtpOutcome, RefusedSessionIsFatal) {
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY, ended_with("", "554 5.7.1 go away")), ErrorKind::fatal);
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY, ended_with("EHLO localhost", "550 no")), ErrorKind::fatal);
}

TEST(SmtpOutcome, ConnectionLostAfterAPositiveReplyIsTransient) {
  EXPECT_EQ(classify(CURLE_RECV_ERROR, ended_with("MAIL FROM:<a@x>", "250 OK")), ErrorKind::transient);
  EXPECT_FALSE(failed_on_reply(CURLE_RECV_ERROR, ended_with("MAIL FROM:<a@x>", "250 OK")));
}

}  // namespace
}  // namespace raven::smtp
