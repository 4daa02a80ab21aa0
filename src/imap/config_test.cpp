#include "imap/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace raven::imap {
namespace {

Config valid() {
  Config c;
  c.host = "imap.example.test";
  c.username = "ask@example.test";
  c.password = "secret";
  return c;
}

bool has_problem(const Problems& problems, const std::string& field) {
  return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) { return p.field == field; });
}

TEST(ImapConfig, DefaultsWithCredentialsAreValid) { EXPECT_TRUE(valid().validate().empty()); }

TEST(ImapConfig, EffectivePortFollowsTls) {
  Config c = valid();
  EXPECT_EQ(c.effective_port(), 993);
  c.tls = Tls::starttls;
  EXPECT_EQ(c.effective_port(), 143);
  c.port = 1143;
  EXPECT_EQ(c.effective_port(), 1143);
}

TEST(ImapConfig, ReportsEveryProblemAtOnce) {
  Config c;
  c.mailbox = "";
  c.connect_timeout = std::chrono::milliseconds(0);
  c.command_timeout = std::chrono::milliseconds(-1);
  const Problems p = c.validate();
  for (const char* field : {"host", "username", "password", "mailbox", "connect_timeout", "command_timeout"}) {
    EXPECT_TRUE(has_problem(p, field)) << field;
  }
}

TEST(ImapConfig, RejectsLineBreaksInStringsThatReachTheWire) {
  Config c = valid();
  c.username = "a\r\nb";
  c.password = std::string("p\0w", 3);
  c.mailbox = "INBOX\n";
  c.host = "evil\r\n.example";
  const Problems p = c.validate();
  EXPECT_TRUE(has_problem(p, "username"));
  EXPECT_TRUE(has_problem(p, "password"));
  EXPECT_TRUE(has_problem(p, "mailbox"));
  EXPECT_TRUE(has_problem(p, "host"));
}

TEST(ImapConfig, PinnedSha256MustBe64HexDigits) {
  Config c = valid();
  c.pinned_sha256 = "abc";
  EXPECT_TRUE(has_problem(c.validate(), "pinned_sha256"));
  c.pinned_sha256 = std::string(64, 'A');
  EXPECT_TRUE(c.validate().empty());
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i == 0 ? "" : ":") + std::string("0f");
  c.pinned_sha256 = colons;
  EXPECT_TRUE(c.validate().empty());
}

TEST(ImapConfig, TlsSettingsWithoutTlsAreProblems) {
  Config c = valid();
  c.tls = Tls::none;
  c.pinned_sha256 = std::string(64, 'a');
  EXPECT_TRUE(has_problem(c.validate(), "pinned_sha256"));
}

TEST(ImapConfig, UnreadableCaFileIsAProblem) {
  Config c = valid();
  c.ca_file = "/nonexistent/ca.pem";
  EXPECT_TRUE(has_problem(c.validate(), "ca_file"));
}

}  // namespace
}  // namespace raven::imap
