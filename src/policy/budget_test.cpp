// Rule 4: whom a message counts for, the UTC day, and check_budgets() on
// each limit at, below and above its count.
#include "policy/budget.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "message/parse.hpp"

namespace raven::policy {
namespace {

message::Request parse(const std::string& headers) {
  return message::parse_message(headers + "Subject: q\r\nContent-Type: text/plain\r\n\r\nHello\r\n");
}

TEST(Budget, SenderIsTheFromAddressInLowerCase) {
  EXPECT_EQ(sender_key(parse("From: Alice <Alice@Example.ORG>\r\n")), "alice@example.org");
  EXPECT_EQ(sender_key(parse("To: raven@example.com\r\n")), "");
}

TEST(Budget, ThreadIsTheRootOfReferencesElseInReplyToElseTheMessage) {
  EXPECT_EQ(thread_key(parse("Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x> <b@x>\r\n")),
            "a@x");
  EXPECT_EQ(thread_key(parse("Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\n")), "b@x");
  EXPECT_EQ(thread_key(parse("Message-ID: <c@x>\r\n")), "c@x");
  EXPECT_EQ(thread_key(parse("From: a@x\r\n")), "");
}

TEST(Budget, UtcDay) {
  constexpr std::int64_t day = 86'400'000;
  EXPECT_EQ(utc_day(0), 0);
  EXPECT_EQ(utc_day(day - 1), 0);
  EXPECT_EQ(utc_day(day), 1);
  EXPECT_EQ(utc_day(-1), -1);
  // 2026-11-28 10:00:00 UTC is day 20785, which began at 00:00 UTC.
  EXPECT_EQ(utc_day(1'795'860'000'000), 20785);
  EXPECT_EQ(utc_day_start_ms(1'795'860'000'000), 20785 * day);
  EXPECT_EQ(utc_day_start_ms(-1), -day);
}

TEST(Budget, NoLimitsAnswerWhateverTheCounts) {
  const Decision d = check_budgets(Limits{}, Usage{1000, 1000, 1000, 1'000'000});
  EXPECT_TRUE(d.answered());
  EXPECT_EQ(d.code, code::answer);
  EXPECT_TRUE(d.evidence.empty());
}

// Limits with one budget set. (Built in code, not by aggregate
// initialisation in the table below: GCC 12 at -O3 takes the std::string
// member of such a table for uninitialised, a false -Wmaybe-uninitialized.)
Limits only(std::uint32_t Limits::*field, std::uint32_t value) {
  Limits l;
  l.*field = value;
  return l;
}
Limits only_tokens(std::uint64_t value) {
  Limits l;
  l.tokens_per_day = value;
  return l;
}

TEST(Budget, EachLimitSkipsOnceItsCountReachesIt) {
  struct Case {
    Limits limits;
    Usage below, at;
    std::string_view code;
    std::string sentence;
  };
  std::vector<Case> cases;
  cases.push_back({only(&Limits::replies_per_sender_per_day, 3),
                   {.replies_by_sender = 2},
                   {.replies_by_sender = 3},
                   code::over_budget_sender,
                   "Raven has already sent 3 replies to this sender today (UTC); "
                   "policy.limits.replies_per_sender_per_day allows 3."});
  cases.push_back({only(&Limits::replies_per_thread, 5),
                   {.replies_in_thread = 4},
                   {.replies_in_thread = 5},
                   code::over_budget_thread,
                   "Raven has already sent 5 replies in this thread; policy.limits.replies_per_thread allows 5."});
  cases.push_back({only(&Limits::replies_per_day, 100),
                   {.replies_total = 99},
                   {.replies_total = 100},
                   code::over_budget_day,
                   "Raven has already sent 100 replies today (UTC); policy.limits.replies_per_day allows 100."});
  cases.push_back({only_tokens(50'000),
                   {.tokens = 49'999},
                   {.tokens = 50'000},
                   code::over_budget_tokens,
                   "The LLM has already used 50000 tokens today (UTC); policy.limits.tokens_per_day allows 50000."});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    EXPECT_TRUE(c.limits.limited());
    const Decision below = check_budgets(c.limits, c.below);
    EXPECT_TRUE(below.answered()) << below.sentence;
    ASSERT_EQ(below.evidence.size(), 1u);
    const Decision at = check_budgets(c.limits, c.at);
    EXPECT_FALSE(at.answered());
    EXPECT_EQ(at.code, c.code);
    EXPECT_EQ(at.sentence, c.sentence);
    EXPECT_EQ(rule_of(at.code), "budgets (policy.limits)");
  }
}

TEST(Budget, OverTheLimitStillSkips) {
  // Two workers may both pass the check; the count then exceeds the limit.
  const Decision d = check_budgets({.replies_per_sender_per_day = 2}, {.replies_by_sender = 4});
  EXPECT_EQ(d.code, code::over_budget_sender);
  EXPECT_NE(d.sentence.find("already sent 4 replies"), std::string::npos) << d.sentence;
  EXPECT_NE(d.sentence.find("allows 2"), std::string::npos) << d.sentence;
}

TEST(Budget, TheFirstBudgetReachedDecidesAndEveryBudgetIsInTheEvidence) {
  const Limits all{
      .replies_per_sender_per_day = 1, .replies_per_thread = 1, .replies_per_day = 1, .tokens_per_day = 10};
  EXPECT_EQ(check_budgets(all, {1, 1, 1, 10}).code, code::over_budget_sender);
  EXPECT_EQ(check_budgets(all, {0, 1, 1, 10}).code, code::over_budget_thread);
  EXPECT_EQ(check_budgets(all, {0, 0, 1, 10}).code, code::over_budget_day);
  const Decision d = check_budgets(all, {0, 0, 0, 10});
  EXPECT_EQ(d.code, code::over_budget_tokens);
  EXPECT_EQ(d.evidence, (std::vector<std::string>{
                            "replies_per_sender_per_day: 0 of 1 replies to this sender today (UTC)",
                            "replies_per_thread: 0 of 1 replies in this thread",
                            "replies_per_day: 0 of 1 replies today (UTC)",
                            "tokens_per_day: 10 of 10 LLM tokens today (UTC)",
                        }));
  EXPECT_TRUE(check_budgets(all, {0, 0, 0, 9}).answered());
}

}  // namespace
}  // namespace raven::policy
