// The policy section through load_string: defaults, every key, our own
// addresses completed from answer.from and the IMAP user, and its problems
// with their lines.
#include <gtest/gtest.h>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using testing::kImap;  // lines 1-4; username raven@example.com
using testing::options_with;
using testing::problems;
using Lines = std::vector<std::string>;
using Strings = std::vector<std::string>;

Config load(const std::string& tail) {
  return load_string(std::string(kImap) + tail, options_with({}));
}

TEST(ConfigPolicy, DefaultsWhenAbsent) {
  const Config c = load("");
  EXPECT_TRUE(c.policy.require_addressed);
  EXPECT_FALSE(c.policy.authentication.require);
  EXPECT_EQ(c.policy.authentication.authserv_id, "");
  EXPECT_FALSE(c.policy.limits.limited());
  EXPECT_EQ(c.policy.limits.notice, "");
  // The IMAP user is an address of ours.
  EXPECT_EQ(c.policy.addresses, (Strings{"raven@example.com"}));
}

TEST(ConfigPolicy, EveryKey) {
  const Config c = load(
      "policy:\n"
      "  addresses: [help@example.com, Raven@Example.com]\n"
      "  require_addressed: false\n"
      "  authentication:\n"
      "    require: true\n"
      "    authserv_id: mx.example.com\n"
      "  limits:\n"
      "    replies_per_sender_per_day: 20\n"
      "    replies_per_thread: 5\n"
      "    replies_per_day: 500\n"
      "    tokens_per_day: 2000000\n"
      "    notice: \"Raven has answered enough for today; a person will reply.\"\n");
  const policy::Config& p = c.policy;
  // The IMAP user is already listed (case-insensitively): not added twice.
  EXPECT_EQ(p.addresses, (Strings{"help@example.com", "Raven@Example.com"}));
  EXPECT_FALSE(p.require_addressed);
  EXPECT_TRUE(p.authentication.require);
  EXPECT_EQ(p.authentication.authserv_id, "mx.example.com");
  EXPECT_EQ(p.limits.replies_per_sender_per_day, 20u);
  EXPECT_EQ(p.limits.replies_per_thread, 5u);
  EXPECT_EQ(p.limits.replies_per_day, 500u);
  EXPECT_EQ(p.limits.tokens_per_day, 2000000u);
  EXPECT_EQ(p.limits.notice, "Raven has answered enough for today; a person will reply.");
  EXPECT_TRUE(p.limits.limited());
}

TEST(ConfigPolicy, OwnAddressesFromAnswerAndImap) {
  const Config c = load(
      "answer:\n"
      "  from: Help Desk <help@example.com>\n"
      "  mode: draft\n"
      "policy:\n"
      "  addresses: [bot@example.com]\n");
  EXPECT_EQ(c.policy.addresses, (Strings{"bot@example.com", "help@example.com", "raven@example.com"}));

  // An IMAP login that is not an address is no address of ours.
  const Config plain = load_string(
      "imap:\n  host: mail.example.com\n  username: raven\n  password: x\n"
      "answer:\n  from: help@example.com\n  mode: draft\n",
      options_with({}));
  EXPECT_EQ(plain.policy.addresses, (Strings{"help@example.com"}));
}

TEST(ConfigPolicy, Problems) {
  EXPECT_EQ(
      problems(std::string(kImap) + "policy:\n"                                   // 5
                                    "  addresses: [\"Raven <r@example.com>\"]\n"  // 6
                                    "  authentication:\n"                         // 7
                                    "    require: true\n"                         // 8
                                    "  limits:\n"                                 // 9
                                    "    replies_per_day: -1\n"                   // 10
                                    "    tokens_per_day: lots\n"                  // 11
                                    "    budget: 3\n"),                           // 12
      (Lines{"policy.addresses[0]: must be a plain address such as raven@example.com (line 6)",
             "policy.authentication.authserv_id: must be set when require is true: the authserv-id your "
             "border mail server writes first in Authentication-Results, e.g. mx.example.com (line 7)",
             "policy.limits.replies_per_day: must be 0-1000000 (line 10)",
             "policy.limits.tokens_per_day: must be an integer (line 11)",
             "policy.limits.budget: unknown key (line 12); expected replies_per_sender_per_day, "
             "replies_per_thread, replies_per_day, tokens_per_day or notice"}));
}

TEST(ConfigPolicy, MoreProblems) {
  const Lines found = problems(std::string(kImap) +
                               "policy:\n"                // 5
                               "  authentication: yes\n"  // 6
                               "  limits:\n"              // 7
                               "    notice: \"" +
                               std::string(3000, 'x') +
                               "\"\n"                           // 8
                               "  require_adressed: false\n");  // 9
  ASSERT_EQ(found.size(), 3u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0], "policy.authentication: must be a mapping (key: value lines) (line 6)");
  EXPECT_EQ(found[1],
            "policy.limits.notice: must be at most 2000 bytes: a short fixed notice, not a letter (line 8)");
  EXPECT_TRUE(found[2].starts_with("policy.require_adressed: unknown key (line 9)")) << found[2];

  EXPECT_EQ(
      problems(std::string(kImap) + "policy:\n  authentication:\n    authserv_id: mx example\n"),
      (Lines{"policy.authentication.authserv_id: must be a single word such as mx.example.com (no spaces, "
             "quotes, ';' or parentheses) (line 7)"}));
}

}  // namespace
}  // namespace raven::config
