// `raven check`: the first line is the verdict, then the sentence, the rule,
// the evidence, the authentication verdict and the budgets note; a file that
// cannot be read is one line on stderr.
#include "service/check.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace raven::service {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

config::Config config_with(bool require_authentication) {
  config::Config c;
  c.policy.addresses = {"raven@example.com"};
  c.policy.authentication = {require_authentication, "mx.example.com"};
  c.filter.senders = {"@example.org"};
  return c;
}

std::string message(const std::string& extra) {
  return "Return-Path: <alice@example.org>\r\n" + extra +
         "From: Alice <alice@example.org>\r\nTo: Raven <raven@example.com>\r\nSubject: hello\r\n"
         "Message-ID: <m1@example.org>\r\n\r\nWhat is the weather?\r\n";
}

std::vector<std::string> run(const config::Config& c, const std::string& m,
                             const std::optional<std::string>& envelope = std::nullopt) {
  std::ostringstream out;
  check_message(c, "m.eml", m, envelope, out);
  return lines_of(out.str());
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(Check, AnswerWithEvidence) {
  const auto lines = run(config_with(false), message(""));
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "answer");
  EXPECT_EQ(lines[1], "No loop, sender or authenticity rule matched, so the message may be answered.");
  EXPECT_EQ(lines[2], "message: m.eml (Message-ID <m1@example.org>)");
  EXPECT_EQ(lines[3], "rule: none");
  EXPECT_TRUE(has(lines, "envelope sender: <alice@example.org> (Return-Path)"));
  EXPECT_TRUE(has(lines, "From: <alice@example.org>"));
  EXPECT_EQ(lines.back(), "budgets: not checked (they depend on the journal)");
  // Not required, but an authserv_id is set: what it would say.
  bool found = false;
  for (const auto& l : lines) {
    if (l.starts_with(
            "authentication: not required (policy.authentication.require is false); it would fail: "))
      found = true;
  }
  EXPECT_TRUE(found);
}

TEST(Check, Skips) {
  auto lines = run(config_with(false), message("List-Id: <news.example.org>\r\n"));
  EXPECT_EQ(lines[0], "skip: mailing-list");
  EXPECT_EQ(lines[1], "The message came through a mailing list.");
  EXPECT_TRUE(has(lines, "rule: loops (RFC 3834)"));
  EXPECT_TRUE(has(lines, "matched: List-Id: <news.example.org>"));

  // --envelope-from '' is the null sender, whatever Return-Path says.
  lines = run(config_with(false), message(""), std::string());
  EXPECT_EQ(lines[0], "skip: empty-envelope-sender");
  EXPECT_TRUE(has(lines, "envelope sender: <> (given)"));
}

TEST(Check, Authentication) {
  auto lines = run(config_with(true), message(""));
  EXPECT_EQ(lines[0], "skip: not-authenticated");
  EXPECT_TRUE(has(lines, "rule: authenticity (policy.authentication)"));
  EXPECT_TRUE(has(lines, "authentication: fail (no Authentication-Results from mx.example.com)"));

  lines = run(config_with(true), message("Authentication-Results: mx.example.com; dmarc=pass\r\n"));
  EXPECT_EQ(lines[0], "answer");
  EXPECT_TRUE(has(lines, "authentication: pass (example.org by dmarc=pass)"));

  // Decided before rule 3: the verdict is still shown, marked as not reached.
  lines = run(config_with(true), message("Precedence: bulk\r\n"));
  EXPECT_EQ(lines[0], "skip: precedence-bulk");
  bool found = false;
  for (const auto& l : lines)
    found = found || l.starts_with("authentication: not reached (an earlier rule decided)");
  EXPECT_TRUE(found);

  config::Config none = config_with(false);
  none.policy.authentication.authserv_id.clear();
  lines = run(none, message(""));
  EXPECT_TRUE(has(lines, "authentication: not required (policy.authentication.require is false)"));
}

TEST(Check, MalformedMessageStillGetsAVerdict) {
  for (const std::string& m : {std::string(), std::string("\x01\x02 not a message"),
                               std::string("From: \xff\xfe\r\nTo: raven@example.com\r\n\r\n")}) {
    const auto lines = run(config_with(false), m);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_TRUE(lines[0] == "answer" || lines[0].starts_with("skip: ")) << lines[0];
    EXPECT_EQ(lines.back(), "budgets: not checked (they depend on the journal)");
  }
}

TEST(Check, ControlCharactersAreNotPrinted) {
  const auto lines = run(config_with(false), message("List-Id: <a\x1b[2Jb>\r\n"));
  EXPECT_EQ(lines[0], "skip: mailing-list");
  for (const auto& l : lines) EXPECT_EQ(l.find('\x1b'), std::string::npos) << l;
}

class CheckFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "raven-check-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(CheckFile, ReadsTheFile) {
  const fs::path p = dir_ / "m.eml";
  std::ofstream(p, std::ios::binary) << message("");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(check(config_with(false), p.string(), std::nullopt, out, err), kCheckVerdict);
  EXPECT_EQ(lines_of(out.str()).at(0), "answer");
  EXPECT_EQ(err.str(), "");
}

TEST_F(CheckFile, UnreadableFile) {
  std::ostringstream out;
  std::ostringstream err;
  const std::string missing = (dir_ / "missing.eml").string();
  EXPECT_EQ(check(config_with(false), missing, std::nullopt, out, err), kCheckUnreadable);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "raven check: cannot read " + missing + ": No such file or directory\n");

  std::ostringstream out2;
  std::ostringstream err2;
  EXPECT_EQ(check(config_with(false), dir_.string(), std::nullopt, out2, err2), kCheckUnreadable);
  EXPECT_EQ(out2.str(), "");
  EXPECT_EQ(err2.str(), "raven check: cannot read " + dir_.string() + ": not a regular file\n");
}

}  // namespace
}  // namespace raven::service
