// smtp::Session against the real aiosmtpd sink (tests/support/smtp_sink.py)
// over real loopback sockets: plaintext, AUTH, STARTTLS, implicit TLS,
// scripted refusals, a server that is down, connection reuse, cancellation.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "log/capture_sink.hpp"
#include "smtp/session.hpp"
#include "support/smtp_sink.hpp"

namespace raven::smtp {
namespace {

using namespace std::chrono_literals;
using testing::SinkBehaviour;
using testing::SmtpSink;
using testing::SmtpSinkOptions;

using log::CaptureSink;

std::string message(std::string_view subject, std::string_view body) {
  return "From: Raven <raven@example.test>\r\n"
         "To: Alice <alice@example.test>\r\n"
         "Subject: " +
         std::string(subject) +
         "\r\n"
         "Message-ID: <test-1@example.test>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n" +
         std::string(body);
}

SinkBehaviour fail_data(int code) {
  SinkBehaviour b;
  b.fail_data = code;
  return b;
}

SinkBehaviour fail_mail(int code) {
  SinkBehaviour b;
  b.fail_mail = code;
  return b;
}

std::string describe(const SubmitResult& r) {
  return std::string("accepted=") + (r.accepted ? "true" : "false") +
         " kind=" + std::string(to_string(r.kind)) + " code=" + std::to_string(r.smtp_code) +
         " error=" + r.error;
}

TEST(SmtpSession, PlaintextOnLoopbackDeliversTheMessageByteExact) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  const std::string msg = message("Hello", "First line\r\nSecond line, UTF-8: \xc3\xa9t\xc3\xa9\r\n");

  SubmitResult r = session.submit("", {"alice@example.test"}, msg);
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(r.smtp_code, 250);
  EXPECT_TRUE(r.new_connection);
  EXPECT_FALSE(r.outcome_unknown);

  ASSERT_TRUE(sink.wait_for(1));
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].mail_from, "raven@example.test");
  EXPECT_EQ(messages[0].rcpt_tos, std::vector<std::string>{"alice@example.test"});
  EXPECT_EQ(messages[0].raw, msg);
  EXPECT_FALSE(messages[0].tls);
  // libcurl announced the size (RFC 1870).
  EXPECT_EQ(messages[0].mail_options, std::vector<std::string>{"SIZE=" + std::to_string(msg.size())});
}

TEST(SmtpSession, ExplicitEnvelopeSenderOverridesTheConfig) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  SubmitResult r = session.submit("bounces@example.test", {"alice@example.test", "bob@example.test"},
                                  message("Two", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].mail_from, "bounces@example.test");
  EXPECT_EQ(messages[0].rcpt_tos, (std::vector<std::string>{"alice@example.test", "bob@example.test"}));
}

TEST(SmtpSession, LinesStartingWithADotArriveIntact) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  // RFC 5321 §4.5.2: the client doubles a leading dot, the server removes it.
  // A lone "." line would otherwise end the message early.
  const std::string body = ".leading dot\r\n..two dots\r\n.\r\nafter the lone dot\r\n. \r\nend\r\n";
  const std::string msg = message("Dots", body);
  SubmitResult r = session.submit("", {"alice@example.test"}, msg);
  ASSERT_TRUE(r.accepted) << describe(r);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].raw, msg);
}

TEST(SmtpSession, MessageWithoutFinalLineBreakGetsOne) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  const std::string msg = message("No final CRLF", "last line");
  SubmitResult r = session.submit("", {"alice@example.test"}, msg);
  ASSERT_TRUE(r.accepted) << describe(r);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].raw, msg + "\r\n");
}

TEST(SmtpSession, AuthPlainWorks) {
  SmtpSinkOptions options;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret-Pa55";
  options.auth_mechanisms = {"PLAIN"};
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult r = session.submit("", {"alice@example.test"}, message("Auth", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].auth_user, "raven@example.test");
}

TEST(SmtpSession, AuthLoginWorks) {
  SmtpSinkOptions options;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret-Pa55";
  options.auth_mechanisms = {"LOGIN"};
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult r = session.submit("", {"alice@example.test"}, message("Auth", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.messages()[0].auth_user, "raven@example.test");
}

TEST(SmtpSession, WrongPasswordIsFatalAndNeverQuoted) {
  SmtpSinkOptions options;
  options.auth_user = "raven@example.test";
  options.auth_password = "right-Pa55";
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.password = "wrong-Pa55-hunter2";
  auto capture = std::make_shared<CaptureSink>();
  Session session(config, log::Logger({log::Level::debug, log::Format::text}, capture));

  SubmitResult r = session.submit("", {"alice@example.test"}, message("Auth", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_EQ(r.smtp_code, 535) << describe(r);
  EXPECT_NE(r.error.find("535"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("authentication"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
  EXPECT_EQ(r.smtp_reply.find("hunter2"), std::string::npos);
  EXPECT_FALSE(capture->all().empty());
  EXPECT_EQ(capture->all().find("hunter2"), std::string::npos) << capture->all();
  EXPECT_EQ(sink.message_count(), 0u);

  SubmitResult v = session.verify();
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.kind, ErrorKind::fatal) << describe(v);
  EXPECT_EQ(v.error.find("hunter2"), std::string::npos) << v.error;
}

TEST(SmtpSession, MissingCredentialsAreFatal) {
  SmtpSinkOptions options;
  options.auth_user = "raven@example.test";
  options.auth_password = "right-Pa55";
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.username.clear();
  config.password.clear();
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("No auth", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_EQ(r.smtp_code, 530) << describe(r);
}

TEST(SmtpSession, StarttlsWithTheFixtureCaWorks) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::starttls;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret";
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  ASSERT_EQ(config.tls, Tls::starttls);
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("TLS", "secret stuff\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0].tls);
  EXPECT_EQ(messages[0].auth_user, "raven@example.test");
}

TEST(SmtpSession, StarttlsWithTheWrongCaIsAFatalCertificateError) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::starttls;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret";
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.ca_file = sink.other_ca_file();
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("TLS", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("s3cret"), std::string::npos) << r.error;
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST(SmtpSession, HostNameMustMatchTheCertificate) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::implicit;
  SmtpSink sink(options);
  Config config = sink.smtp_config();

  // The certificate names localhost and 127.0.0.1.
  config.host = "localhost";
  SubmitResult ok = Session(config).submit("", {"alice@example.test"}, message("by name", "hi\r\n"));
  EXPECT_TRUE(ok.accepted) << describe(ok);

  // The same server reached as an IPv4-mapped IPv6 address: a name the
  // certificate does not carry.
  config.host = "::ffff:127.0.0.1";
  SubmitResult r = Session(config).submit("", {"alice@example.test"}, message("by other name", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
  EXPECT_EQ(sink.message_count(), 1u);
}

TEST(SmtpSession, StarttlsIsRequiredNeverAFallback) {
  SmtpSink sink;  // offers no STARTTLS
  Config config = sink.smtp_config();
  config.tls = Tls::starttls;
  config.ca_file = sink.ca_file();
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("Plain?", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_NE(r.error.find("STARTTLS"), std::string::npos) << r.error;
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST(SmtpSession, ImplicitTlsWorks) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::implicit;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret";
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  ASSERT_EQ(config.tls, Tls::implicit);
  Session session(config);
  const std::string msg = message("SMTPS", ".dot\r\nbody\r\n");
  SubmitResult r = session.submit("", {"alice@example.test"}, msg);
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0].tls);
  EXPECT_EQ(messages[0].raw, msg);
}

TEST(SmtpSession, ImplicitTlsWithTheWrongCaIsFatal) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::implicit;
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.ca_file = sink.other_ca_file();
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("SMTPS", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::fatal) << describe(r);
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST(SmtpSession, OneRefusedRecipientOfTwoIsReportedAndTheOtherGetsIt) {
  SmtpSinkOptions options;
  options.reject_rcpt = {"nobody@example.test"};
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult r =
      session.submit("", {"nobody@example.test", "alice@example.test"}, message("Half", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].address, "nobody@example.test");
  EXPECT_EQ(r.rejected[0].code, 550);
  EXPECT_NE(r.rejected[0].reply.find("Recipient address rejected"), std::string::npos) << r.rejected[0].reply;
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].rcpt_tos, std::vector<std::string>{"alice@example.test"});
}

TEST(SmtpSession, TheOnlyRecipientRefusedIsPermanent) {
  SmtpSinkOptions options;
  options.reject_rcpt = {"nobody@example.test"};
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult r = session.submit("", {"nobody@example.test"}, message("None", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
  EXPECT_EQ(r.smtp_code, 550);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].address, "nobody@example.test");
  EXPECT_NE(r.error.find("nobody@example.test"), std::string::npos) << r.error;
  EXPECT_FALSE(r.outcome_unknown);
  EXPECT_EQ(sink.message_count(), 0u);

  // The session is still usable afterwards.
  SubmitResult ok = session.submit("", {"alice@example.test"}, message("Next", "hi\r\n"));
  EXPECT_TRUE(ok.accepted) << describe(ok);
}

TEST(SmtpSession, RefusalsAfterDataFollowTheReplyCode) {
  SmtpSink sink;
  Session session(sink.smtp_config());

  sink.set_behaviour(fail_data(451));
  SubmitResult r = session.submit("", {"alice@example.test"}, message("451", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
  EXPECT_EQ(r.smtp_code, 451);
  EXPECT_NE(r.error.find("end of data"), std::string::npos) << r.error;
  EXPECT_FALSE(r.outcome_unknown);

  sink.set_behaviour(fail_data(554));
  r = session.submit("", {"alice@example.test"}, message("554", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
  EXPECT_EQ(r.smtp_code, 554);
  EXPECT_EQ(sink.message_count(), 0u);

  sink.set_behaviour(fail_data(0));
  r = session.submit("", {"alice@example.test"}, message("ok", "hi\r\n"));
  EXPECT_TRUE(r.accepted) << describe(r);
  EXPECT_EQ(sink.message_count(), 1u);
}

TEST(SmtpSession, StartupFailuresFromTheCommandLine) {
  SmtpSinkOptions options;
  options.fail_data = 554;
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult r = session.submit("", {"alice@example.test"}, message("554", "hi\r\n"));
  EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
}

TEST(SmtpSession, SenderRefusedFollowsTheReplyCode) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  sink.set_behaviour(fail_mail(451));
  SubmitResult r = session.submit("", {"alice@example.test"}, message("mail", "hi\r\n"));
  EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
  EXPECT_NE(r.error.find("MAIL FROM"), std::string::npos) << r.error;
  sink.set_behaviour(fail_mail(553));
  r = session.submit("", {"alice@example.test"}, message("mail", "hi\r\n"));
  EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
}

TEST(SmtpSession, ServerDownIsTransientAndRetryWorksWhenItReturns) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  sink.stop();

  SubmitResult r = session.submit("", {"alice@example.test"}, message("Down", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
  EXPECT_EQ(r.smtp_code, 0);
  EXPECT_FALSE(r.outcome_unknown);

  sink.start();
  r = session.submit("", {"alice@example.test"}, message("Back", "hi\r\n"));
  EXPECT_TRUE(r.accepted) << describe(r);
  EXPECT_EQ(sink.message_count(), 1u);
}

TEST(SmtpSession, ServerRestartedBetweenMessagesIsTransparentOrTransient) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  ASSERT_TRUE(session.submit("", {"alice@example.test"}, message("1", "hi\r\n")).accepted);
  sink.restart();  // the cached connection is now dead
  SubmitResult r = session.submit("", {"alice@example.test"}, message("2", "hi\r\n"));
  if (!r.accepted) {
    EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
    r = session.submit("", {"alice@example.test"}, message("2", "hi\r\n"));
  }
  EXPECT_TRUE(r.accepted) << describe(r);
  EXPECT_EQ(sink.message_count(), 2u);
}

TEST(SmtpSession, OneSessionReusesItsConnection) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  for (int i = 0; i < 3; ++i) {
    SubmitResult r = session.submit("", {"alice@example.test"}, message("n" + std::to_string(i), "hi\r\n"));
    ASSERT_TRUE(r.accepted) << describe(r);
    EXPECT_EQ(r.new_connection, i == 0) << i;
  }
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 3u);
  for (const auto& m : messages) EXPECT_EQ(m.connection, 1);
  EXPECT_EQ(sink.connections(), 1);
}

TEST(SmtpSession, ConnectionClosedByTheServerWhileIdleIsReplaced) {
  SmtpSinkOptions options;
  options.idle_timeout = 1s;  // the sink closes idle connections
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  ASSERT_TRUE(session.submit("", {"alice@example.test"}, message("1", "hi\r\n")).accepted);
  std::this_thread::sleep_for(2500ms);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("2", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r) << "\n" << sink.log();
  EXPECT_TRUE(r.new_connection);
  EXPECT_EQ(sink.connections(), 2);
}

TEST(SmtpSession, VerifyConnectsAuthenticatesAndLeavesTheConnectionForSubmit) {
  SmtpSinkOptions options;
  options.tls = SmtpSinkOptions::Tls::starttls;
  options.auth_user = "raven@example.test";
  options.auth_password = "s3cret";
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  SubmitResult v = session.verify();
  ASSERT_TRUE(v.accepted) << describe(v) << "\n" << sink.log();
  EXPECT_TRUE(v.new_connection);
  EXPECT_EQ(sink.message_count(), 0u);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("after verify", "hi\r\n"));
  ASSERT_TRUE(r.accepted) << describe(r);
  EXPECT_FALSE(r.new_connection);
  EXPECT_EQ(sink.connections(), 1);
}

TEST(SmtpSession, InjectionInTheEnvelopeIsPermanentAndNothingIsSent) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  const std::string msg = message("Inject", "hi\r\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"raven@example.test\r\nRCPT TO:<evil@example.test>", {"alice@example.test"}},
      {"", {"alice@example.test\r\nRCPT TO:<evil@example.test>"}},
      {"", {"alice@example.test\nDATA"}},
      {"", {std::string("alice@example.test\0x", 20)}},
      {"", {"alice@example.test> NOTIFY=NEVER"}},
      {"<raven@example.test>", {"alice@example.test"}},
      {"", {"alice@example.test", "Bob <bob@example.test>"}},
      {"", {}},
  };
  for (const auto& [from, rcpts] : cases) {
    SubmitResult r = session.submit(from, rcpts, msg);
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
    EXPECT_FALSE(r.new_connection);
  }
  EXPECT_EQ(sink.connections(), 0);
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST(SmtpSession, MessagesWithBareLineBreaksAreRefusedBeforeSending) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  for (const std::string& bad :
       {std::string("Subject: x\n\nbody\n"), std::string("Subject: x\r\n\r\nbo\rdy\r\n"),
        std::string("Subject: x\r\n\r\nbo\0dy\r\n", 21), std::string()}) {
    SubmitResult r = session.submit("", {"alice@example.test"}, bad);
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.kind, ErrorKind::permanent) << describe(r);
  }
  EXPECT_EQ(sink.connections(), 0);
}

TEST(SmtpSession, StopTokenCancelsAWaitingSubmission) {
  SmtpSinkOptions options;
  options.delay_data = 30s;
  SmtpSink sink(options);
  Session session(sink.smtp_config());
  std::stop_source stop;
  const auto started = std::chrono::steady_clock::now();
  auto result = std::async(std::launch::async, [&] {
    return session.submit("", {"alice@example.test"}, message("slow", "hi\r\n"), stop.get_token());
  });
  std::this_thread::sleep_for(500ms);
  stop.request_stop();
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
  SubmitResult r = result.get();
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.cancelled) << describe(r);
  EXPECT_EQ(r.kind, ErrorKind::transient);
  // The whole message went out before the stop; the server may keep it.
  EXPECT_TRUE(r.outcome_unknown) << describe(r);
  EXPECT_LT(took, 10s);
}

TEST(SmtpSession, AfterACancelledSubmissionTheNextOneStartsAFreshConnection) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  SinkBehaviour slow;
  slow.delay_data = 5s;
  sink.set_behaviour(slow);
  std::stop_source stop;
  auto pending = std::async(std::launch::async, [&] {
    return session.submit("", {"alice@example.test"}, message("first", "hi\r\n"), stop.get_token());
  });
  std::this_thread::sleep_for(300ms);
  stop.request_stop();
  SubmitResult first = pending.get();
  ASSERT_TRUE(first.cancelled) << describe(first);

  sink.set_behaviour(SinkBehaviour{});
  const auto before = std::chrono::steady_clock::now();
  SubmitResult second = session.submit("", {"alice@example.test"}, message("second", "hi\r\n"));
  ASSERT_TRUE(second.accepted) << describe(second);
  // Not the late verdict on the first message read as the answer to MAIL FROM.
  EXPECT_TRUE(second.new_connection);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 4s);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].raw.find("Subject: second"), std::string::npos);
  EXPECT_EQ(sink.connections(), 2);
}

TEST(SmtpSession, DestroyingASessionAfterATimeoutDoesNotWaitForTheServer) {
  SmtpSinkOptions options;
  options.delay_data = 30s;
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.timeout = 1s;
  std::chrono::steady_clock::time_point done;
  {
    Session session(config);
    SubmitResult r = session.submit("", {"alice@example.test"}, message("slow", "hi\r\n"));
    EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
    done = std::chrono::steady_clock::now();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - done, 2s);
}

TEST(SmtpSession, AStopRequestedBeforehandSendsNothing) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  std::stop_source stop;
  stop.request_stop();
  SubmitResult r = session.submit("", {"alice@example.test"}, message("never", "hi\r\n"), stop.get_token());
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.kind, ErrorKind::transient);
  EXPECT_FALSE(r.outcome_unknown);
  EXPECT_EQ(sink.connections(), 0);
}

TEST(SmtpSession, ASlowServerTimesOutAsTransient) {
  SmtpSinkOptions options;
  options.delay_data = 30s;
  SmtpSink sink(options);
  Config config = sink.smtp_config();
  config.timeout = 2s;
  Session session(config);
  SubmitResult r = session.submit("", {"alice@example.test"}, message("slow", "hi\r\n"));
  EXPECT_FALSE(r.accepted);
  EXPECT_FALSE(r.cancelled);
  EXPECT_EQ(r.kind, ErrorKind::transient) << describe(r);
  EXPECT_TRUE(r.outcome_unknown) << describe(r);
}

TEST(SmtpSession, InvalidConfigThrowsFatalWithoutThePassword) {
  Config config;
  config.host = "mail.example.test";
  config.tls = Tls::none;  // not loopback
  config.username = "u";
  config.password = "pw-\r\n-hunter2";
  config.envelope_from = "raven@example.test";
  try {
    Session session(config);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
    EXPECT_NE(std::string(e.what()).find("tls"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(SmtpSession, ALargeMessageArrivesWhole) {
  SmtpSink sink;
  Session session(sink.smtp_config());
  std::string body;
  for (int i = 0; i < 40000; ++i)
    body += (i % 7 == 0 ? "." : "") + std::string("line ") + std::to_string(i) + "\r\n";
  const std::string msg = message("Large", body);
  SubmitResult r = session.submit("", {"alice@example.test"}, msg);
  ASSERT_TRUE(r.accepted) << describe(r);
  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].raw.size(), msg.size());
  EXPECT_TRUE(messages[0].raw == msg);
}

}  // namespace
}  // namespace raven::smtp
