// load_string end to end: values, defaults, and every kind of problem with
// its path and line.
#include <gtest/gtest.h>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using namespace std::chrono_literals;
using testing::kImap;
using testing::options_with;
using testing::problems;
using Lines = std::vector<std::string>;

TEST(ConfigLocated, ToString) {
  EXPECT_EQ((Located{"imap.port", 7, "must be 1-65535", {}}).to_string(),
            "imap.port: must be 1-65535 (line 7)");
  EXPECT_EQ((Located{"imap", 0, "section is required", {}}).to_string(), "imap: section is required");
  EXPECT_EQ((Located{"imap.hots", 3, "unknown key", "did you mean \"host\"?"}).to_string(),
            "imap.hots: unknown key (line 3); did you mean \"host\"?");
  EXPECT_EQ((Located{"", 2, "YAML syntax error: x", {}}).to_string(), "YAML syntax error: x (line 2)");
}

TEST(ConfigErrorText, SortsByLineThenPathAndJoinsWithNewlines) {
  ConfigError e({{"b", 2, "two", {}}, {"a", 0, "zero", {}}, {"z", 1, "one-z", {}}, {"c", 1, "one-c", {}}});
  EXPECT_EQ(e.kind(), ErrorKind::fatal);
  EXPECT_EQ(std::string(e.what()), "a: zero\nc: one-c (line 1)\nz: one-z (line 1)\nb: two (line 2)");
  ASSERT_EQ(e.problems().size(), 4u);
  EXPECT_EQ(e.problems()[0].path, "a");
  EXPECT_EQ(e.problems()[3].path, "b");
}

TEST(ConfigLoad, MinimalConfigGetsDefaults) {
  auto c = load_string(kImap, options_with({}));
  EXPECT_EQ(c.imap.host, "mail.example.com");
  EXPECT_EQ(c.imap.username, "raven@example.com");
  EXPECT_EQ(c.imap.password, "hunter2");
  EXPECT_EQ(c.imap.port, 0);
  EXPECT_EQ(c.imap.effective_port(), 993);
  EXPECT_EQ(c.imap.tls, imap::Tls::implicit);
  EXPECT_EQ(c.imap.mailbox, "INBOX");
  EXPECT_EQ(c.imap.connect_timeout, 30s);
  EXPECT_EQ(c.imap.command_timeout, 60s);
  EXPECT_EQ(c.intake.mode, intake::Mode::idle);
  EXPECT_EQ(c.intake.idle_refresh, 25min);
  EXPECT_TRUE(c.filter.senders.empty());
  EXPECT_EQ(c.log.level, log::Level::info);
  EXPECT_EQ(c.log.format, log::Format::text);
}

TEST(ConfigLoad, EveryKeyIsRead) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "certs");
  dir.write("certs/ca.pem", "(imap::Config::validate only checks that it is readable)\n");
  auto c = load_string(
      "imap:\n"
      "  host: imap.example.net\n"
      "  port: 143\n"
      "  tls: starttls\n"
      "  ca_file: certs/ca.pem\n"
      "  pinned_sha256: \"\"\n"
      "  username: ${USER_NAME}\n"
      "  password: ${PASS}\n"
      "  mailbox: Support\n"
      "  connect_timeout: 1.5s\n"
      "  command_timeout: 2m\n"
      "intake:\n"
      "  mode: poll\n"
      "  poll_interval: 1m30s\n"
      "  idle_refresh: 20m\n"
      "filter:\n"
      "  senders: [\"alice@example.com\", \"@example.org\"]\n"
      "  subject: \"[help]\"\n"
      "log:\n"
      "  level: debug\n"
      "  format: json\n",
      options_with({{"USER_NAME", "bot"}, {"PASS", "pw"}}), dir.str());
  EXPECT_EQ(c.imap.host, "imap.example.net");
  EXPECT_EQ(c.imap.port, 143);
  EXPECT_EQ(c.imap.tls, imap::Tls::starttls);
  EXPECT_EQ(c.imap.ca_file, (dir.path() / "certs/ca.pem").string());
  EXPECT_EQ(c.imap.pinned_sha256, "");
  EXPECT_EQ(c.imap.username, "bot");
  EXPECT_EQ(c.imap.password, "pw");
  EXPECT_EQ(c.imap.mailbox, "Support");
  EXPECT_EQ(c.imap.connect_timeout, 1500ms);
  EXPECT_EQ(c.imap.command_timeout, 2min);
  EXPECT_EQ(c.intake.mode, intake::Mode::poll);
  EXPECT_EQ(c.intake.poll_interval, 90s);
  EXPECT_EQ(c.intake.idle_refresh, 20min);
  EXPECT_EQ(c.filter.senders, (std::vector<std::string>{"alice@example.com", "@example.org"}));
  EXPECT_EQ(c.filter.subject, "[help]");
  EXPECT_EQ(c.log.level, log::Level::debug);
  EXPECT_EQ(c.log.format, log::Format::json);
}

TEST(ConfigLoad, AbsoluteCaFileIsKept) {
  testing::TempDir dir;
  const std::string ca = dir.write("ca.pem", "pem\n");
  auto c = load_string(std::string(kImap) + "  ca_file: " + ca + "\n", options_with({}), "/elsewhere");
  EXPECT_EQ(c.imap.ca_file, ca);
}

TEST(ConfigLoad, ImapValidateProblemsAreLocated) {
  EXPECT_EQ(
      problems("imap:\n  username: u\n  password: p\n  ca_file: missing.pem\n", options_with({}), "/nowhere"),
      (Lines{"imap.host: must be set (line 1)",
             "imap.ca_file: cannot be read: /nowhere/missing.pem (line 4)"}));
  // A problem with a password from password_file is shown at password_file.
  testing::TempDir dir;
  dir.write("pw", "two\nlines\n");
  EXPECT_EQ(problems("imap:\n  host: h\n  username: u\n  password_file: pw\n", options_with({}), dir.str()),
            (Lines{"imap.password_file: must not contain CR, LF or NUL (line 4)"}));
}

TEST(ConfigLoad, NullValuesMeanTheDefault) {
  auto c = load_string(std::string(kImap) +
                           "  mailbox:\n"
                           "intake:\n"
                           "filter:\n"
                           "  senders: ~\n",
                       options_with({}));
  EXPECT_EQ(c.imap.mailbox, "INBOX");
  EXPECT_TRUE(c.filter.senders.empty());
}

// ---- the file as a whole -----------------------------------------------------

TEST(ConfigLoad, EmptyFile) {
  const Lines want{"the file is empty; it needs at least an imap: section"};
  EXPECT_EQ(problems(""), want);
  EXPECT_EQ(problems("# nothing but a comment\n\n"), want);
  EXPECT_EQ(problems("---\n"), want);
}

TEST(ConfigLoad, SyntaxErrorHasItsLine) {
  // An unclosed flow sequence is noticed at the end of the input.
  EXPECT_EQ(problems("imap:\n  host: a\n  senders: [x,\n  port: 1\n"),
            (Lines{"YAML syntax error: end of sequence flow not found (line 5)"}));
  EXPECT_EQ(problems("imap:\n  host: a\n    port: 1\n"),
            (Lines{"YAML syntax error: illegal map value (line 3)"}));
}

TEST(ConfigLoad, TopLevelMustBeAMapping) {
  EXPECT_EQ(problems("- imap\n"),
            (Lines{"the top level must be a mapping of sections (imap:, intake:, …) (line 1)"}));
}

TEST(ConfigLoad, OneDocumentOnly) {
  EXPECT_EQ(problems(std::string(kImap) + "---\nlog:\n  level: info\n"),
            (Lines{"only one YAML document is allowed (line 6)"}));
}

TEST(ConfigLoad, MissingImapSectionIsOneClearProblem) {
  EXPECT_EQ(problems("log:\n  level: info\n"), (Lines{"imap: section is required"}));
}

TEST(ConfigLoad, SectionMustBeAMapping) {
  EXPECT_EQ(problems(std::string(kImap) + "log: debug\n"),
            (Lines{"log: must be a mapping (key: value lines) (line 5)"}));
}

// ---- unknown and duplicate keys ----------------------------------------------

TEST(ConfigLoad, UnknownKeys) {
  EXPECT_EQ(problems(std::string(kImap) + "  hots: x\n"),
            (Lines{"imap.hots: unknown key (line 5); did you mean \"host\"?"}));
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  pollinterval: 1m\n"),
            (Lines{"intake.pollinterval: unknown key (line 6); did you mean \"poll_interval\"?"}));
  EXPECT_EQ(problems(std::string(kImap) + "loggin:\n  level: info\n"),
            (Lines{"loggin: unknown key (line 5); did you mean \"log\"?"}));
  EXPECT_EQ(
      problems(std::string(kImap) + "webhooks:\n  url: x\n"),
      (Lines{"webhooks: unknown key (line 5); expected imap, intake, filter, policy, answer, llm, tools, smtp, "
             "state or log"}));
  EXPECT_EQ(problems(std::string(kImap) + "  retries: 3\n"), (Lines{"imap.retries: unknown key (line 5)"}));
}

TEST(ConfigLoad, UnknownKeyGetsTheSectionsHostProblemToo) {
  // The typo hides host, so imap::Config::validate() has something to say as well.
  auto p = problems("imap:\n  hots: mail.example.com\n  username: u\n  password: p\n");
  EXPECT_NE(std::find(p.begin(), p.end(), "imap.hots: unknown key (line 2); did you mean \"host\"?"),
            p.end());
}

TEST(ConfigLoad, DuplicateKeys) {
  EXPECT_EQ(problems(std::string(kImap) + "  host: other.example.com\n"),
            (Lines{"imap.host: duplicate key (line 5); first set on line 2"}));
  EXPECT_EQ(problems(std::string(kImap) + "log:\n  level: info\nlog:\n  level: debug\n"),
            (Lines{"log: duplicate key (line 7); first set on line 5"}));
}

TEST(ConfigLoad, KeysMustBeStrings) {
  EXPECT_EQ(problems(std::string(kImap) + "  ? [a, b]\n  : c\n"),
            (Lines{"imap: keys must be plain strings (line 5)"}));
}

// ---- types and values ----------------------------------------------------------

TEST(ConfigLoad, WrongTypes) {
  EXPECT_EQ(problems(std::string(kImap) + "  port: abc\n"),
            (Lines{"imap.port: must be an integer (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  port: 993.0\n"),
            (Lines{"imap.port: must be an integer (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  port: [993]\n"),
            (Lines{"imap.port: must be an integer (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  mailbox: {a: b}\n"),
            (Lines{"imap.mailbox: must be a string (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "filter:\n  senders: alice@example.com\n"),
            (Lines{"filter.senders: must be a list of strings (line 6)"}));
  EXPECT_EQ(problems(std::string(kImap) + "filter:\n  senders:\n    - a@example.com\n    - {x: y}\n"),
            (Lines{"filter.senders[1]: must be a string (line 8)"}));
}

TEST(ConfigLoad, PortRange) {
  const Lines want{"imap.port: must be 1-65535 (line 5)"};
  EXPECT_EQ(problems(std::string(kImap) + "  port: 0\n"), want);
  EXPECT_EQ(problems(std::string(kImap) + "  port: 65536\n"), want);
  EXPECT_EQ(problems(std::string(kImap) + "  port: -1\n"), want);
  EXPECT_EQ(problems(std::string(kImap) + "  port: 99999999999999999999999\n"), want);
  EXPECT_EQ(load_string(std::string(kImap) + "  port: \"1143\"\n", options_with({})).imap.port, 1143);
  EXPECT_EQ(load_string(std::string(kImap) + "  port: ${PORT}\n", options_with({{"PORT", "2993"}})).imap.port,
            2993);
}

TEST(ConfigLoad, Choices) {
  EXPECT_EQ(problems(std::string(kImap) + "  tls: startls\n"),
            (Lines{"imap.tls: must be implicit, starttls or none (line 5); did you mean \"starttls\"?"}));
  EXPECT_EQ(problems(std::string(kImap) + "  tls: TLS\n"),
            (Lines{"imap.tls: must be implicit, starttls or none (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  mode: push\n"),
            (Lines{"intake.mode: must be idle or poll (line 6)"}));
  EXPECT_EQ(problems(std::string(kImap) + "log:\n  level: warning\n  format: JSON\n"),
            (Lines{"log.level: must be debug, info, warn or error (line 6); did you mean \"warn\"?",
                   "log.format: must be text or json (line 7); did you mean \"json\"?"}));
}

TEST(ConfigLoad, Durations) {
  EXPECT_EQ(
      problems(std::string(kImap) + "intake:\n  idle_refresh: 25\n"),
      (Lines{"intake.idle_refresh: must be a duration like 25m (line 6); missing unit in duration \"25\""}));
  EXPECT_EQ(
      problems(std::string(kImap) + "intake:\n  idle_refresh: 1d\n"),
      (Lines{
          "intake.idle_refresh: must be a duration like 25m (line 6); unknown unit \"d\" in duration \"1d\" "
          "(units: ns, us, ms, s, m, h)"}));
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  idle_refresh: -1m\n"),
            (Lines{"intake.idle_refresh: must be a positive duration like 25m (line 6)"}));
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  idle_refresh: 0\n"),
            (Lines{"intake.idle_refresh: must be a positive duration like 25m (line 6)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  connect_timeout: 0s\n"),
            (Lines{"imap.connect_timeout: must be a positive duration like 30s (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  command_timeout: 500us\n"),
            (Lines{"imap.command_timeout: must be at least 1ms (line 5)"}));
  EXPECT_EQ(problems(std::string(kImap) + "  command_timeout: [1m]\n"),
            (Lines{"imap.command_timeout: must be a duration like 60s (line 5)"}));
  // A value from the environment is not quoted back.
  EXPECT_EQ(problems(std::string(kImap) + "  command_timeout: ${T}\n", options_with({{"T", "10"}})),
            (Lines{"imap.command_timeout: must be a duration like 60s (line 5)"}));
}

TEST(ConfigLoad, IntakeValidateProblemsAreLocated) {
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  mode: poll\n"),
            (Lines{"intake.poll_interval: is required in poll mode (a positive duration like 1m) (line 5)"}));
  EXPECT_EQ(
      problems(std::string(kImap) + "intake:\n  mode: idle\n  idle_refresh: 30m\n"),
      (Lines{"intake.idle_refresh: must be at most 29m (RFC 2177: servers may drop idle clients after 30m) "
             "(line 7)"}));
  // The reader's problem is enough; validate() sees the default and is not repeated.
  EXPECT_EQ(problems(std::string(kImap) + "intake:\n  mode: poll\n  poll_interval: 0s\n"),
            (Lines{"intake.poll_interval: must be a positive duration like 1m (line 7)"}));
}

// ---- environment -----------------------------------------------------------------

TEST(ConfigLoad, UnsetVariableIsNamedWithItsLine) {
  const std::string yaml =
      "imap:\n"
      "  host: mail.example.com\n"
      "  port: 993\n"
      "  tls: implicit\n"
      "  mailbox: INBOX\n"
      "  pinned_sha256: \"\"\n"
      "  username: raven@example.com\n"
      "  password: ${RAVEN_IMAP_PASSWORD}\n";
  EXPECT_EQ(problems(yaml),
            (Lines{"imap.password: environment variable RAVEN_IMAP_PASSWORD is not set (line 8)"}));
  EXPECT_EQ(load_string(yaml, options_with({{"RAVEN_IMAP_PASSWORD", "pw"}})).imap.password, "pw");
}

TEST(ConfigLoad, EscapedDollarBraceIsKept) {
  auto c = load_string(std::string(kImap) + "filter:\n  subject: \"cost $${PRICE}\"\n", options_with({}));
  EXPECT_EQ(c.filter.subject, "cost ${PRICE}");
}

TEST(ConfigLoad, InterpolationAppliesToListElements) {
  auto c = load_string(std::string(kImap) + "filter:\n  senders: [\"${BOSS}\", \"@${DOMAIN}\"]\n",
                       options_with({{"BOSS", "boss@example.com"}, {"DOMAIN", "example.org"}}));
  EXPECT_EQ(c.filter.senders, (std::vector<std::string>{"boss@example.com", "@example.org"}));
}

// ---- module problems, end to end ---------------------------------------------------

TEST(ConfigLoad, LineBreakInAFilterValueIsAConfigError) {
  EXPECT_EQ(problems(std::string(kImap) + "filter:\n  subject: \"help\\r\\nA001 LOGOUT\"\n"),
            (Lines{"filter.subject: must not contain CR, LF or NUL (line 6)"}));
  EXPECT_EQ(problems(std::string(kImap) + "filter:\n"
                                          "  senders:\n"
                                          "    - alice@example.com\n"
                                          "    - \"bob@example.com\\nA001 LOGOUT\"\n"),
            (Lines{"filter.senders[1]: must not contain CR, LF or NUL (line 8)"}));
}

TEST(ConfigLoad, ModuleProblemsOnSequenceElementsUseTheElementsLine) {
  EXPECT_EQ(problems(std::string(kImap) + "filter:\n"
                                          "  senders:\n"
                                          "    - alice@example.com\n"
                                          "    - not-an-address\n"),
            (Lines{"filter.senders[1]: must be an address (alice@example.com) or a domain (@example.org), "
                   "got \"not-an-address\" (line 8)"}));
}

TEST(ConfigLoad, AllProblemsAtOnceInFileOrder) {
  const std::string yaml =
      "imap:\n"                          // 1
      "  host: mail.example.com\n"       // 2
      "  port: 99999\n"                  // 3  out of range
      "  username: raven@example.com\n"  // 4
      "  password: ${NOPE}\n"            // 5  unset variable
      "intake:\n"                        // 6
      "  mode: poll\n"                   // 7  no poll_interval: reported at the section
      "filter:\n"                        // 8
      "  sender: [a@example.com]\n"      // 9  unknown key
      "log:\n"                           // 10
      "  level: info\n";                 // 11
  try {
    load_string(yaml, options_with({}));
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 4u) << e.what();
    EXPECT_EQ(std::string(e.what()),
              "imap.port: must be 1-65535 (line 3)\n"
              "imap.password: environment variable NOPE is not set (line 5)\n"
              "intake.poll_interval: is required in poll mode (a positive duration like 1m) (line 6)\n"
              "filter.sender: unknown key (line 9); did you mean \"senders\"?");
    EXPECT_EQ(e.problems()[0].line, 3);
    EXPECT_EQ(e.problems()[1].line, 5);
    EXPECT_EQ(e.problems()[2].line, 6);
    EXPECT_EQ(e.problems()[3].line, 9);
  }
}

}  // namespace
}  // namespace raven::config
