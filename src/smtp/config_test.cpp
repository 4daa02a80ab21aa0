#include "smtp/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace raven::smtp {
namespace {

Config valid() {
  Config c;
  c.host = "mail.example.test";
  c.username = "raven@example.test";
  c.password = "secret";
  c.envelope_from = "raven@example.test";
  return c;
}

bool has_problem(const Problems& problems, const std::string& field) {
  return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) { return p.field == field; });
}

std::string fields(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += p.field + ": " + p.message + "\n";
  return out;
}

TEST(SmtpConfig, ValidConfigHasNoProblems) {
  EXPECT_TRUE(valid().validate().empty()) << fields(valid().validate());
}

TEST(SmtpConfig, NoAuthIsValid) {
  Config c = valid();
  c.username.clear();
  c.password.clear();
  EXPECT_TRUE(c.validate().empty()) << fields(c.validate());
}

TEST(SmtpConfig, EffectivePortFollowsTls) {
  Config c = valid();
  EXPECT_EQ(c.effective_port(), 465);
  c.tls = Tls::starttls;
  EXPECT_EQ(c.effective_port(), 587);
  c.tls = Tls::none;
  EXPECT_EQ(c.effective_port(), 25);
  c.port = 2525;
  EXPECT_EQ(c.effective_port(), 2525);
}

TEST(SmtpConfig, ReportsEveryProblemAtOnce) {
  Config c;
  c.password = "x";
  c.connect_timeout = std::chrono::milliseconds(0);
  c.timeout = std::chrono::milliseconds(-5);
  const Problems p = c.validate();
  for (const char* field : {"host", "username", "envelope_from", "connect_timeout", "timeout"}) {
    EXPECT_TRUE(has_problem(p, field)) << field << "\n" << fields(p);
  }
}

TEST(SmtpConfig, PlaintextOnlyTowardsLoopback) {
  Config c = valid();
  c.tls = Tls::none;
  EXPECT_TRUE(has_problem(c.validate(), "tls"));
  c.host = "192.168.1.10";
  EXPECT_TRUE(has_problem(c.validate(), "tls"));
  c.host = "128.0.0.1";
  EXPECT_TRUE(has_problem(c.validate(), "tls"));
  c.host = "localhost.example.com";
  EXPECT_TRUE(has_problem(c.validate(), "tls"));
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    c.host = host;
    EXPECT_TRUE(c.validate().empty()) << host << "\n" << fields(c.validate());
  }
}

TEST(SmtpConfig, TlsModesAllowAnyHost) {
  Config c = valid();
  c.tls = Tls::starttls;
  c.host = "192.168.1.10";
  EXPECT_TRUE(c.validate().empty());
  c.host = "2001:db8::25";
  EXPECT_TRUE(c.validate().empty());
}

TEST(SmtpConfig, RejectsHostsThatCouldBendTheUrl) {
  Config c = valid();
  for (const char* host : {"evil\r\n.example", "user@mail.example", "mail.example/x", "mail.example:25",
                           "a b", "[mail.example]", "-mail.example", "mail.example?x"}) {
    c.host = host;
    EXPECT_TRUE(has_problem(c.validate(), "host")) << host;
  }
}

TEST(SmtpConfig, RejectsLineBreaksInStringsThatReachTheWire) {
  Config c = valid();
  c.username = "a\r\nb";
  c.password = std::string("p\0w", 3);
  c.envelope_from = "raven@example.test\r\nRCPT TO:<x@evil.test>";
  const Problems p = c.validate();
  EXPECT_TRUE(has_problem(p, "username"));
  EXPECT_TRUE(has_problem(p, "password"));
  EXPECT_TRUE(has_problem(p, "envelope_from"));
}

TEST(SmtpConfig, ProblemTextNeverQuotesThePassword) {
  Config c = valid();
  c.password = "hunter2\n";
  for (const auto& p : c.validate()) EXPECT_EQ(p.message.find("hunter2"), std::string::npos) << p.message;
}

TEST(SmtpConfig, UsernameAndPasswordGoTogether) {
  Config c = valid();
  c.password.clear();
  EXPECT_TRUE(has_problem(c.validate(), "password"));
  c = valid();
  c.username.clear();
  EXPECT_TRUE(has_problem(c.validate(), "username"));
}

TEST(SmtpConfig, EnvelopeFromMustBeABareAddress) {
  Config c = valid();
  for (const char* bad : {"Raven <raven@example.test>", "<raven@example.test>", "raven", "@example.test",
                          "raven@", "ra ven@example.test", "raven@example.test "}) {
    c.envelope_from = bad;
    EXPECT_TRUE(has_problem(c.validate(), "envelope_from")) << bad;
  }
  c.envelope_from = "";
  EXPECT_TRUE(has_problem(c.validate(), "envelope_from"));
}

TEST(SmtpConfig, UnreadableCaFileIsAProblem) {
  Config c = valid();
  c.ca_file = "/nonexistent/ca.pem";
  EXPECT_TRUE(has_problem(c.validate(), "ca_file"));
}

TEST(SmtpConfig, CaFileWithoutTlsIsAProblem) {
  Config c = valid();
  c.host = "127.0.0.1";
  c.tls = Tls::none;
  c.ca_file = "/etc/hostname";
  EXPECT_TRUE(has_problem(c.validate(), "ca_file"));
}

TEST(SmtpEnvelopeAddress, AcceptsOrdinaryAddresses) {
  for (const char* ok : {"a@b", "ask@company.example", "first.last+tag@sub.example.org",
                         "j\xc3\xb6rg@example.de", "\"quoted\"@example.test"}) {
    EXPECT_EQ(envelope_address_problem(ok), "") << ok;
  }
}

TEST(SmtpEnvelopeAddress, RefusesWhatCouldInjectOrBreakTheCommand) {
  for (std::string_view bad :
       {std::string_view("a@b\r\nRCPT TO:<c@d>"), std::string_view("a@b\n"), std::string_view("a@b\r"),
        std::string_view("a\0@b", 4), std::string_view("a@b> SIZE=1"), std::string_view("<a@b"),
        std::string_view("a b@c"), std::string_view("a@b\t"), std::string_view("a\x7f@b"),
        std::string_view(""), std::string_view("no-at-sign")}) {
    EXPECT_NE(envelope_address_problem(bad), "") << bad;
  }
  EXPECT_NE(envelope_address_problem(std::string(250, 'a') + "@b.example"), "");
}

TEST(SmtpLoopback, RecognisesLoopbackOnly) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.255.254"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("::2"));
  EXPECT_FALSE(is_loopback_host("localhost.evil.example"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.evil.example"));
  EXPECT_FALSE(is_loopback_host(""));
}

}  // namespace
}  // namespace raven::smtp
