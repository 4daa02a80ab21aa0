// The answer, llm and smtp sections through load_string: values, presence,
// byte sizes, the rules between sections, and their secrets.
#include <gtest/gtest.h>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using namespace std::chrono_literals;
using testing::kImap;
using testing::options_with;
using testing::problems;
using testing::TempDir;
using Lines = std::vector<std::string>;

// kImap is lines 1-4; each of these starts on line 5 when appended to it.
constexpr const char* kAnswer =
    "answer:\n"
    "  from: Raven <raven@example.com>\n";
constexpr const char* kLlm =
    "llm:\n"
    "  base_url: http://127.0.0.1:11434/v1\n"
    "  model: llama3.1\n";
constexpr const char* kSmtp =
    "smtp:\n"
    "  host: smtp.example.com\n"
    "  envelope_from: raven@example.com\n";

std::string with(std::initializer_list<const char*> parts) {
  std::string out = kImap;
  for (const char* p : parts) out += p;
  return out;
}

// ---- presence ----------------------------------------------------------------

TEST(ConfigSections, AbsentSectionsAreNullopt) {
  auto c = load_string(kImap, options_with({}));
  EXPECT_FALSE(c.answer.has_value());
  EXPECT_FALSE(c.llm.has_value());
  EXPECT_FALSE(c.smtp.has_value());
}

TEST(ConfigSections, PresentSectionsGetTheModulesDefaults) {
  auto c = load_string(with({kAnswer, kLlm, kSmtp}), options_with({}));
  ASSERT_TRUE(c.answer && c.llm && c.smtp);
  EXPECT_EQ(c.answer->workers, 4u);
  EXPECT_EQ(c.answer->queue, 16u);
  EXPECT_EQ(c.answer->mode, answer::Mode::send);
  EXPECT_EQ(c.answer->max_text, 64u * 1024);
  EXPECT_EQ(c.answer->retry_initial, 1min);
  EXPECT_EQ(c.llm->api_key, "");
  EXPECT_FALSE(c.llm->temperature.has_value());
  EXPECT_EQ(c.llm->max_response_bytes, 4u << 20);
  EXPECT_EQ(c.smtp->tls, smtp::Tls::implicit);
  EXPECT_EQ(c.smtp->port, 0);
  EXPECT_EQ(c.smtp->effective_port(), 465);
  EXPECT_EQ(c.smtp->username, "");
  EXPECT_EQ(c.smtp->password, "");
}

TEST(ConfigSections, AnEmptySectionIsPresentAndValidated) {
  EXPECT_EQ(problems(with({"llm:\n"})),
            (Lines{"llm.base_url: must be set (for example https://api.openai.com/v1) (line 5)",
                   "llm.model: must be set (for example gpt-4o-mini) (line 5)"}));
  EXPECT_EQ(problems(with({"answer:\n  mode: draft\n"})),
            (Lines{"answer.from: must be set, e.g. \"Raven <raven@example.com>\" (line 5)"}));
  EXPECT_EQ(
      problems(with({"smtp:\n"})),
      (Lines{"smtp.envelope_from: must be set (the address for MAIL FROM, e.g. raven@example.com) (line 5)",
             "smtp.host: must be set (line 5)"}));
}

TEST(ConfigSections, SectionsMustBeMappings) {
  EXPECT_EQ(problems(with({"llm: openai\n"})), (Lines{"llm: must be a mapping (key: value lines) (line 5)"}));
  // Not a mapping: no "smtp is required" on top.
  EXPECT_EQ(problems(with({kAnswer, "smtp: [x]\n"})),
            (Lines{"smtp: must be a mapping (key: value lines) (line 7)"}));
}

// ---- every key -------------------------------------------------------------------

TEST(ConfigSections, EveryAnswerKeyIsRead) {
  auto c = load_string(with({"answer:\n"
                             "  workers: 2\n"
                             "  queue: 100\n"
                             "  from: \"Help Desk <help@example.org>\"\n"
                             "  mode: draft\n"
                             "  sent_mailbox: \"\"\n"
                             "  drafts_mailbox: Entwürfe\n"
                             "  quote_original: false\n"
                             "  max_text: 1MiB\n"
                             "  retry_initial: 30s\n"
                             "  retry_max: 2h\n"
                             "  max_attempts: 3\n"
                             "  failed_keyword: $Failed\n"
                             "  skipped_keyword: $Skipped\n"
                             "  shutdown_timeout: 1m\n"
                             "  on_uncertain: resend\n"}),
                       options_with({}));
  ASSERT_TRUE(c.answer);
  EXPECT_EQ(c.answer->on_uncertain, answer::OnUncertain::resend);
  const answer::Config& a = *c.answer;
  EXPECT_EQ(a.workers, 2u);
  EXPECT_EQ(a.queue, 100u);
  EXPECT_EQ(a.from, "Help Desk <help@example.org>");
  EXPECT_EQ(a.mode, answer::Mode::draft);
  EXPECT_EQ(a.sent_mailbox, "");
  EXPECT_EQ(a.drafts_mailbox, "Entwürfe");
  EXPECT_FALSE(a.quote_original);
  EXPECT_EQ(a.max_text, 1024u * 1024);
  EXPECT_EQ(a.retry_initial, 30s);
  EXPECT_EQ(a.retry_max, 2h);
  EXPECT_EQ(a.max_attempts, 3u);
  EXPECT_EQ(a.failed_keyword, "$Failed");
  EXPECT_EQ(a.skipped_keyword, "$Skipped");
  EXPECT_EQ(a.shutdown_timeout, 1min);
  EXPECT_FALSE(c.smtp);  // draft mode needs no smtp
}

TEST(ConfigSections, OnUncertainDefaultsToSkipAndRejectsOtherWords) {
  auto c = load_string(with({kAnswer, kSmtp}), options_with({}));
  ASSERT_TRUE(c.answer);
  EXPECT_EQ(c.answer->on_uncertain, answer::OnUncertain::skip);
  auto p = problems(with({kAnswer, "  on_uncertain: maybe\n", kSmtp}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("answer.on_uncertain"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("(line 7)"), std::string::npos) << p[0];
}

TEST(ConfigSections, StatePathIsResolvedAgainstTheConfigDirectory) {
  auto c = load_string(with({"state:\n"
                             "  path: journal/raven.db\n"
                             "  busy_timeout: 250ms\n"}),
                       options_with({}), "/etc/raven");
  EXPECT_EQ(c.state.path, "/etc/raven/journal/raven.db");
  EXPECT_EQ(c.state.busy_timeout, 250ms);
  auto abs = load_string(with({"state:\n  path: /var/lib/raven/j.db\n"}), options_with({}), "/etc/raven");
  EXPECT_EQ(abs.state.path, "/var/lib/raven/j.db");
}

TEST(ConfigSections, StatePathDefaultsUnderTheStateDirectory) {
  auto c = load_string(kImap, options_with({}));
  EXPECT_EQ(c.state.path, store::default_state_path());
  EXPECT_EQ(c.state.busy_timeout, 5s);
  EXPECT_FALSE(c.state.path.empty()) << "HOME is set in the test environment";
}

TEST(ConfigSections, EveryLlmKeyIsRead) {
  TempDir dir;
  dir.write("ca.pem", "pem\n");
  auto c = load_string(with({"llm:\n"
                             "  base_url: https://api.openai.com/v1\n"
                             "  api_key: ${OPENAI_API_KEY}\n"
                             "  model: gpt-4o-mini\n"
                             "  system_prompt: |\n"
                             "    You answer mail.\n"
                             "    Be brief.\n"
                             "  max_tokens: 0\n"
                             "  temperature: 0.2\n"
                             "  timeout: 90s\n"
                             "  connect_timeout: 5s\n"
                             "  max_response_bytes: 512KiB\n"
                             "  max_retries: 0\n"
                             "  max_retry_after: 2m\n"
                             "  max_tool_rounds: 3\n"
                             "  ca_file: ca.pem\n"
                             "  allow_insecure_http: true\n"}),
                       options_with({{"OPENAI_API_KEY", "sk-test"}}), dir.str());
  ASSERT_TRUE(c.llm);
  const llm::Config& l = *c.llm;
  EXPECT_EQ(l.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(l.api_key, "sk-test");
  EXPECT_EQ(l.model, "gpt-4o-mini");
  EXPECT_EQ(l.system_prompt, "You answer mail.\nBe brief.\n");
  EXPECT_EQ(l.max_tokens, 0u);
  ASSERT_TRUE(l.temperature.has_value());
  EXPECT_DOUBLE_EQ(*l.temperature, 0.2);
  EXPECT_EQ(l.timeout, 90s);
  EXPECT_EQ(l.connect_timeout, 5s);
  EXPECT_EQ(l.max_response_bytes, 512u * 1024);
  EXPECT_EQ(l.max_retries, 0u);
  EXPECT_EQ(l.max_retry_after, 2min);
  EXPECT_EQ(l.max_tool_rounds, 3u);
  EXPECT_EQ(l.ca_file, (dir.path() / "ca.pem").string());
  EXPECT_TRUE(l.allow_insecure_http);
  EXPECT_EQ(l.endpoint(), "https://api.openai.com/v1/chat/completions");
}

TEST(ConfigSections, EverySmtpKeyIsRead) {
  TempDir dir;
  dir.write("ca.pem", "pem\n");
  auto c = load_string(with({"smtp:\n"
                             "  host: smtp.example.net\n"
                             "  port: 2587\n"
                             "  tls: starttls\n"
                             "  ca_file: ca.pem\n"
                             "  username: raven\n"
                             "  password: ${RAVEN_SMTP_PASSWORD}\n"
                             "  envelope_from: bounces@example.net\n"
                             "  connect_timeout: 15s\n"
                             "  timeout: 3m\n"}),
                       options_with({{"RAVEN_SMTP_PASSWORD", "pw"}}), dir.str());
  ASSERT_TRUE(c.smtp);
  const smtp::Config& s = *c.smtp;
  EXPECT_EQ(s.host, "smtp.example.net");
  EXPECT_EQ(s.port, 2587);
  EXPECT_EQ(s.tls, smtp::Tls::starttls);
  EXPECT_EQ(s.ca_file, (dir.path() / "ca.pem").string());
  EXPECT_EQ(s.username, "raven");
  EXPECT_EQ(s.password, "pw");
  EXPECT_EQ(s.envelope_from, "bounces@example.net");
  EXPECT_EQ(s.connect_timeout, 15s);
  EXPECT_EQ(s.timeout, 3min);
}

TEST(ConfigSections, SmtpPortDefaultsPerTls) {
  auto port = [](const char* tls, const char* host) {
    return load_string(std::string(kImap) + "smtp:\n  host: " + host + "\n  tls: " + tls +
                           "\n  envelope_from: a@example.com\n",
                       options_with({}))
        .smtp->effective_port();
  };
  EXPECT_EQ(port("implicit", "smtp.example.com"), 465);
  EXPECT_EQ(port("starttls", "smtp.example.com"), 587);
  EXPECT_EQ(port("none", "127.0.0.1"), 25);
}

// ---- wrong types, unknown keys -------------------------------------------------

TEST(ConfigSections, UnknownKeysAreLocated) {
  EXPECT_EQ(problems(with({kAnswer, "  worker: 2\n", kLlm, kSmtp})),
            (Lines{"answer.worker: unknown key (line 7); did you mean \"workers\"?"}));
  EXPECT_EQ(problems(with({kLlm, "  apikey: x\n"})),
            (Lines{"llm.apikey: unknown key (line 8); did you mean \"api_key\"?"}));
  EXPECT_EQ(problems(with({kSmtp, "  pasword_file: x\n"})),
            (Lines{"smtp.pasword_file: unknown key (line 8); did you mean \"password_file\"?"}));
  EXPECT_EQ(problems(with({kSmtp, "  starttls: true\n"})), (Lines{"smtp.starttls: unknown key (line 8)"}));
}

TEST(ConfigSections, WrongTypesAreLocated) {
  EXPECT_EQ(problems(with({"answer:\n"                            // 5
                           "  from: Raven <raven@example.com>\n"  // 6
                           "  workers: many\n"                    // 7
                           "  queue: 0\n"                         // 8
                           "  mode: sned\n"                       // 9
                           "  quote_original: yes\n"              // 10
                           "  retry_max: 1\n"                     // 11
                           "  max_attempts: -1\n",                // 12
                           kSmtp})),
            (Lines{"answer.workers: must be an integer (line 7)", "answer.queue: must be 1-100000 (line 8)",
                   "answer.mode: must be send or draft (line 9); did you mean \"send\"?",
                   "answer.quote_original: must be true or false (line 10)",
                   "answer.retry_max: must be a duration like 1h (line 11); missing unit in duration \"1\"",
                   "answer.max_attempts: must be 1-4294967295 (line 12)"}));
  EXPECT_EQ(problems(with({kLlm,                         // 5-7
                           "  temperature: warm\n"       // 8
                           "  max_tokens: 1.5\n"         // 9
                           "  max_retries: 21\n"         // 10
                           "  allow_insecure_http: 1\n"  // 11
                           "  system_prompt: [a, b]\n"   // 12
                           "  timeout: 0s\n"             // 13
                           "  max_tool_rounds: 65\n"})),  // 14
            (Lines{"llm.temperature: must be a number (line 8)",
                   "llm.max_tokens: must be an integer (line 9)", "llm.max_retries: must be 0-20 (line 10)",
                   "llm.allow_insecure_http: must be true or false (line 11)",
                   "llm.system_prompt: must be a string (line 12)",
                   "llm.timeout: must be a positive duration like 2m (line 13)",
                   "llm.max_tool_rounds: must be 0-64 (line 14)"}));
  EXPECT_EQ(
      problems(with({kSmtp,                   // 5-7
                     "  port: 0\n"            // 8
                     "  tls: ssl\n"           // 9
                     "  timeout: soon\n"})),  // 10
      (Lines{"smtp.port: must be 1-65535 (line 8)", "smtp.tls: must be implicit, starttls or none (line 9)",
             "smtp.timeout: must be a duration like 2m (line 10); invalid duration \"soon\""}));
}

TEST(ConfigSections, TemperatureIsAFiniteNumber) {
  auto t = [](const char* value) {
    return load_string(with({kLlm, "  temperature: ", value, "\n"}), options_with({})).llm->temperature;
  };
  EXPECT_EQ(t("0"), 0.0);
  EXPECT_EQ(t("1"), 1.0);
  EXPECT_EQ(t("\"0.7\""), 0.7);
  EXPECT_EQ(t("2e-1"), 0.2);
  for (const char* bad : {"nan", "inf", ".nan", "0.7x", "\"\""}) {
    EXPECT_EQ(problems(with({kLlm, "  temperature: ", bad, "\n"})),
              (Lines{"llm.temperature: must be a number (line 8)"}))
        << bad;
  }
}

// ---- byte sizes -------------------------------------------------------------------

TEST(ConfigSections, ByteSizes) {
  auto max_text = [](const char* value) {
    return load_string(with({kAnswer, "  max_text: ", value, "\n", kSmtp}), options_with({}))
        .answer->max_text;
  };
  EXPECT_EQ(max_text("65536"), 65536u);
  EXPECT_EQ(max_text("\"65536\""), 65536u);
  EXPECT_EQ(max_text("64KiB"), 65536u);
  EXPECT_EQ(max_text("512 KiB"), 512u * 1024);
  EXPECT_EQ(max_text("16MiB"), 16u << 20);
  EXPECT_EQ(
      load_string(with({kLlm, "  max_response_bytes: 1GiB\n"}), options_with({})).llm->max_response_bytes,
      std::size_t{1} << 30);
  EXPECT_EQ(load_string(with({kLlm, "  max_response_bytes: ${MAX}\n"}), options_with({{"MAX", "2MiB"}}))
                .llm->max_response_bytes,
            2u << 20);
}

TEST(ConfigSections, BadByteSizesAreLocated) {
  auto p = [](const std::string& value, const LoadOptions& options = options_with({})) {
    return problems(with({kAnswer, "  max_text: ", value.c_str(), "\n", kSmtp}), options);
  };
  EXPECT_EQ(p("512KB"),
            (Lines{"answer.max_text: must be a byte size like 64KiB (line 7); ambiguous unit \"KB\" "
                   "in byte size \"512KB\" (write KiB: units are 1024-based)"}));
  EXPECT_EQ(p("1.5MiB"), (Lines{"answer.max_text: must be a byte size like 64KiB (line 7); byte size "
                                "\"1.5MiB\" must be a whole number (use a smaller unit)"}));
  EXPECT_EQ(p("lots"), (Lines{"answer.max_text: must be a byte size like 64KiB (line 7); invalid byte size "
                              "\"lots\""}));
  EXPECT_EQ(p("[1]"), (Lines{"answer.max_text: must be a byte size like 64KiB (line 7)"}));
  // A value from the environment is not quoted back.
  EXPECT_EQ(p("${T}", options_with({{"T", "9 parsecs"}})),
            (Lines{"answer.max_text: must be a byte size like 64KiB (line 7)"}));
  // The module's range, at the key's line.
  EXPECT_EQ(p("512"), (Lines{"answer.max_text: must be 1KiB-16MiB (line 7)"}));
  EXPECT_EQ(p("17MiB"), (Lines{"answer.max_text: must be 1KiB-16MiB (line 7)"}));
  EXPECT_EQ(problems(with({kLlm, "  max_response_bytes: 1000\n"})),
            (Lines{"llm.max_response_bytes: must be at least 1KiB (line 8)"}));
}

// ---- module problems, located ---------------------------------------------------------

TEST(ConfigSections, AnswerValidateProblems) {
  EXPECT_EQ(problems(with({kAnswer,                             // 5-6
                           "  retry_initial: 2h\n"              // 7
                           "  failed_keyword: \"has space\"\n"  // 8
                           "  mode: draft\n"                    // 9
                           "  drafts_mailbox: \"\"\n"})),       // 10
            (Lines{"answer.retry_max: must not be less than retry_initial (line 5)",
                   "answer.failed_keyword: must be an IMAP keyword (an atom, e.g. $RavenFailed) (line 8)",
                   "answer.drafts_mailbox: is required in draft mode (line 10)"}));
  EXPECT_EQ(problems(with({kAnswer, "  workers: 65\n", kSmtp})),
            (Lines{"answer.workers: must be 1-64 (line 7)"}));
}

TEST(ConfigSections, AnswerFromMustBeOneMailbox) {
  for (const char* bad : {"Raven", "\"a@example.com, b@example.com\"", "\"Team: a@example.com;\""}) {
    EXPECT_EQ(
        problems(with({"answer:\n  mode: draft\n  from: ", bad, "\n"})),
        (Lines{"answer.from: must be one mailbox, like \"Raven <raven@example.com>\" or raven@example.com "
               "(line 7)"}))
        << bad;
  }
  EXPECT_EQ(problems(with({"answer:\n  mode: draft\n  from: \"Raven <raven@example.com>\\r\\nBcc: x@y\"\n"})),
            (Lines{"answer.from: must not contain CR, LF or NUL (line 7)"}));
  EXPECT_TRUE(problems(with({"answer:\n  mode: draft\n  from: raven@example.com\n"})).empty());
}

TEST(ConfigSections, LlmValidateProblems) {
  EXPECT_EQ(
      problems(with({"llm:\n"
                     "  base_url: http://llm.example.com/v1\n"
                     "  model: m\n"
                     "  temperature: 2.5\n"
                     "  ca_file: missing.pem\n"}),
               options_with({}), "/nowhere"),
      (Lines{"llm.base_url: uses plain http to a host that is not loopback, which would send the API key "
             "and the mail in clear text; use https://, or set allow_insecure_http: true (line 6)",
             "llm.temperature: must be between 0 and 2 (line 8)",
             "llm.ca_file: cannot be read: /nowhere/missing.pem (line 9)"}));
  EXPECT_TRUE(problems(with({"llm:\n  base_url: http://llm.example.com/v1\n  model: m\n"
                             "  allow_insecure_http: true\n"}))
                  .empty());
}

TEST(ConfigSections, SmtpValidateProblems) {
  EXPECT_EQ(
      problems(with({"smtp:\n"
                     "  host: smtp.example.com\n"
                     "  tls: none\n"
                     "  envelope_from: \"Raven <raven@example.com>\"\n"})),
      (Lines{"smtp.tls: none is only allowed when host is loopback (localhost, 127.0.0.0/8, ::1); use "
             "implicit or starttls (line 7)",
             "smtp.envelope_from: must be a bare address like name@example.com, without <> or a display "
             "name (line 8)"}));
}

// ---- rules between sections ----------------------------------------------------------

TEST(ConfigSections, SmtpIsRequiredInSendMode) {
  EXPECT_EQ(problems(with({kAnswer, kLlm})), (Lines{"smtp: section is required when answer.mode is send"}));
  EXPECT_EQ(problems(with({kAnswer, "  mode: send\n"})),
            (Lines{"smtp: section is required when answer.mode is send"}));
  EXPECT_TRUE(problems(with({kAnswer, "  mode: draft\n", kLlm})).empty());
  EXPECT_TRUE(problems(with({kAnswer, kLlm, kSmtp})).empty());
  // No answer section: nothing is sent, so nothing is required.
  EXPECT_TRUE(problems(with({kLlm})).empty());
  // A bad mode is its own problem; it does not also demand smtp.
  EXPECT_EQ(problems(with({kAnswer, "  mode: reply\n"})),
            (Lines{"answer.mode: must be send or draft (line 7)"}));
}

TEST(ConfigSections, EnvelopeFromDefaultsToTheAddressInAnswerFrom) {
  const std::string smtp = "smtp:\n  host: smtp.example.com\n";
  auto c = load_string(with({kAnswer}) + smtp, options_with({}));
  EXPECT_EQ(c.smtp->envelope_from, "raven@example.com");
  c = load_string(with({"answer:\n  from: help@example.org\n"}) + smtp + "  envelope_from: \"\"\n",
                  options_with({}));
  EXPECT_EQ(c.smtp->envelope_from, "help@example.org");
  // An explicit envelope_from wins.
  c = load_string(with({kAnswer}) + smtp + "  envelope_from: bounces@example.com\n", options_with({}));
  EXPECT_EQ(c.smtp->envelope_from, "bounces@example.com");
  // Without answer there is nothing to default from.
  EXPECT_EQ(
      problems(with({}) + smtp),
      (Lines{
          "smtp.envelope_from: must be set (the address for MAIL FROM, e.g. raven@example.com) (line 5)"}));
  // A missing or bad answer.from is reported once, there.
  EXPECT_EQ(problems(with({"answer:\n  workers: 1\n"}) + smtp),
            (Lines{"answer.from: must be set, e.g. \"Raven <raven@example.com>\" (line 5)"}));
  EXPECT_EQ(
      problems(with({"answer:\n  from: Raven\n"}) + smtp),
      (Lines{"answer.from: must be one mailbox, like \"Raven <raven@example.com>\" or raven@example.com "
             "(line 6)"}));
}

// ---- secrets ------------------------------------------------------------------------------

TEST(ConfigSections, SmtpPasswordSources) {
  TempDir dir;
  dir.write("smtp-password", "from-file\n");
  const std::string head =
      with({"smtp:\n  host: smtp.example.com\n  envelope_from: a@example.com\n"}) + "  username: raven\n";
  EXPECT_EQ(
      load_string(head + "  password_file: smtp-password\n", options_with({}), dir.str()).smtp->password,
      "from-file");
  EXPECT_EQ(
      load_string(head + "  password_command: [printf, '%s', from-argv]\n", options_with({})).smtp->password,
      "from-argv");
  EXPECT_EQ(load_string(head + "  password_command: echo from-shell\n", options_with({})).smtp->password,
            "from-shell");
  EXPECT_EQ(problems(head + "  password_command: \"echo denied >&2; exit 1\"\n"),
            (Lines{"smtp.password_command: exited with status 1: denied (line 9)"}));
  EXPECT_EQ(
      problems(head + "  password: a\n  password_file: b\n"),
      (Lines{"smtp.password_file: cannot be combined with password (line 10); set only one of password, "
             "password_file, password_command"}));
  // A line break from the file is reported at the key that produced it.
  dir.write("two-lines", "a\nb\n");
  EXPECT_EQ(problems(head + "  password_file: two-lines\n", options_with({}), dir.str()),
            (Lines{"smtp.password_file: must not contain CR, LF or NUL (line 9)"}));
}

TEST(ConfigSections, SmtpUsernameWithoutPasswordIsAProblem) {
  const std::string smtp = with({"smtp:\n  host: smtp.example.com\n  envelope_from: a@example.com\n"});
  EXPECT_EQ(
      problems(smtp + "  username: raven\n"),
      (Lines{"smtp.password: must be set when username is (or password_file / password_command) (line 5)"}));
  EXPECT_EQ(problems(smtp + "  password: pw\n"),
            (Lines{"smtp.username: must be set when a password is (line 5)"}));
  // No username, no password: no AUTH, which is fine.
  EXPECT_TRUE(problems(smtp).empty());
}

TEST(ConfigSections, LlmApiKeySources) {
  TempDir dir;
  dir.write("key", "sk-from-file\n");
  EXPECT_EQ(load_string(with({kLlm, "  api_key_file: key\n"}), options_with({}), dir.str()).llm->api_key,
            "sk-from-file");
  EXPECT_EQ(
      load_string(with({kLlm, "  api_key_command: [printf, '%s\\n', sk-from-argv]\n"}), options_with({}))
          .llm->api_key,
      "sk-from-argv");
  EXPECT_EQ(
      load_string(with({kLlm, "  api_key_command: \"echo sk-from-shell | tr a-z A-Z\"\n"}), options_with({}))
          .llm->api_key,
      "SK-FROM-SHELL");
  dir.write("get-key", "#!/bin/sh\necho sk-from-script\n", true);
  EXPECT_EQ(
      load_string(with({kLlm, "  api_key_command: [./get-key]\n"}), options_with({}), dir.str()).llm->api_key,
      "sk-from-script");
  EXPECT_EQ(load_string(with({kLlm, "  api_key: ${KEY}\n"}), options_with({{"KEY", "sk-env"}})).llm->api_key,
            "sk-env");
  // None at all is fine (local servers).
  EXPECT_EQ(load_string(with({kLlm}), options_with({})).llm->api_key, "");
}

TEST(ConfigSections, LlmApiKeyProblems) {
  EXPECT_EQ(problems(with({kLlm, "  api_key: ${OPENAI_API_KEY}\n"})),
            (Lines{"llm.api_key: environment variable OPENAI_API_KEY is not set (line 8)"}));
  EXPECT_EQ(problems(with({kLlm, "  api_key_command: \"echo 'no such entry' >&2; exit 2\"\n"})),
            (Lines{"llm.api_key_command: exited with status 2: no such entry (line 8)"}));
  EXPECT_EQ(problems(with({kLlm, "  api_key_command: []\n"})),
            (Lines{"llm.api_key_command: must not be empty (line 8)"}));
  EXPECT_EQ(problems(with({kLlm, "  api_key: a\n  api_key_command: b\n"})),
            (Lines{"llm.api_key_command: cannot be combined with api_key (line 9); set only one of api_key, "
                   "api_key_file, api_key_command"}));
  EXPECT_EQ(problems(with({kLlm, "  api_key_command: \"printf 'sk\\\\nx'\"\n"})),
            (Lines{"llm.api_key_command: must not contain CR, LF or NUL (line 8)"}));
  EXPECT_EQ(
      problems(with({kLlm, "  api_key_file: /nonexistent/raven-key\n"})),
      (Lines{"llm.api_key_file: cannot read /nonexistent/raven-key: No such file or directory (line 8)"}));
}

TEST(ConfigSections, SecretsNeverAppearInAProblem) {
  TempDir dir;
  dir.write("pw", "hunter2\n");
  dir.write("pw-two-lines", "hunter2\nhunter2\n");
  const std::string smtp = "smtp:\n  host: smtp.example.com\n  envelope_from: a@example.com\n  username: u\n";
  const std::vector<std::string> tails = {
      // smtp
      smtp + "  password_command: \"echo hunter2; echo 'wrong: hunter2' >&2; exit 1\"\n",
      smtp + "  password_file: pw-two-lines\n",
      smtp + "  password_command: \"printf 'hunter2\\\\r\\\\nhunter2'\"\n",
      smtp + "  password_file: pw\n  port: nope\n",
      smtp + "  password: ${SECRET}\n  tls: hunter2x\n",
      smtp + "  password: hunter2\n  password_file: pw\n",
      smtp + "  password: hunter2\n  pasword: hunter2\n",
      smtp + "  password: \"hunter2\\nhunter2\"\n",
      smtp + "  password: ${SECRET_LINES}\n",
      // llm
      std::string(kLlm) + "  api_key_command: \"echo hunter2; echo 'bad key hunter2' >&2; exit 1\"\n",
      std::string(kLlm) + "  api_key_file: pw-two-lines\n",
      std::string(kLlm) + "  api_key: ${SECRET}\n  max_retries: lots\n",
      std::string(kLlm) + "  api_key: ${SECRET_LINES}\n",
      std::string(kLlm) + "  api_key: \"hunter2\\r\\n\"\n",
      std::string(kLlm) + "  api_key: hunter2\n  api_key_file: pw\n",
      std::string(kLlm) + "  api_key_command: [printf, 'hunter2\\n\\n\\n']\n",
  };
  for (const auto& tail : tails) {
    try {
      load_string(std::string(kImap) + tail,
                  options_with({{"SECRET", "hunter2"}, {"SECRET_LINES", "hunter2\r\nX-Injected: hunter2"}}),
                  dir.str());
      ADD_FAILURE() << "loaded: " << tail;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

// ---- all at once ---------------------------------------------------------------------------

TEST(ConfigSections, ProblemsInEverySectionAtOnceInFileOrder) {
  const std::string yaml = std::string(kImap) +  // 1-4
                           "answer:\n"           // 5
                           "  from: Raven\n"     // 6  not a mailbox
                           "  max_text: 10MB\n"  // 7  ambiguous unit
                           "llm:\n"              // 8  no base_url, no model
                           "  temprature: 1\n";  // 9  unknown key; smtp missing
  EXPECT_EQ(
      problems(yaml),
      (Lines{"smtp: section is required when answer.mode is send",
             "answer.from: must be one mailbox, like \"Raven <raven@example.com>\" or raven@example.com "
             "(line 6)",
             "answer.max_text: must be a byte size like 64KiB (line 7); ambiguous unit \"MB\" in byte size "
             "\"10MB\" (write MiB: units are 1024-based)",
             "llm.base_url: must be set (for example https://api.openai.com/v1) (line 8)",
             "llm.model: must be set (for example gpt-4o-mini) (line 8)",
             "llm.temprature: unknown key (line 9); did you mean \"temperature\"?"}));
}

}  // namespace
}  // namespace raven::config
