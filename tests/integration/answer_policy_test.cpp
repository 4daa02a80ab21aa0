// The policy rules that need the journal, end to end against the real
// servers (answer_fixture.hpp): budgets (policy.limits) counted across
// messages, days and a restart; the over-budget notice, once per sender per
// day and never twice; and rule 1's fast reply, an automaton answering one of
// our own replies within a minute. Each test checks what reached the SMTP
// sink, what the LLM stand-in was asked, the flags and the journal rows.
//
// The fixture's wall clock is put at noon UTC, so that no test straddles a
// midnight; next_day() steps into the next UTC day.
#include <gtest/gtest.h>

#include <thread>

#include "answer_fixture.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"
#include "policy/budget.hpp"

namespace raven::answer {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr const char* kNotice = "You have reached today's limit of questions. Please write again tomorrow.";

// Thrown by the crash point to stop the worker where a crash would.
struct Crash {};

class AnswerPolicyTest : public test::AnswerTest {
 protected:
  AnswerPolicyTest() {
    rules.addresses = {"raven@example.test"};
    policy = &rules;
    const std::int64_t now = store::system_now_ms();
    wall_offset_ms = policy::utc_day_start_ms(now) + kDayMs / 2 - now;
  }

  void next_day() { wall_offset_ms += kDayMs; }

  // Question `n` from `from`: Message-ID <qN@example.com>, in a thread of its
  // own unless `extra` says otherwise.
  static std::string question(int n, const std::string& from = "alice@example.com",
                              const std::string& extra = "") {
    const std::string id = std::to_string(n);
    return "From: " + from + "\r\nTo: raven@example.test\r\nSubject: Question " + id + "\r\nMessage-ID: <q" +
           id + "@example.com>\r\n" + extra +
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis is question " + id +
           ".\r\n";
  }

  std::string reason(imap::Uid uid, store::Journal* j = nullptr) {
    auto row = (j != nullptr ? *j : journal).get(key(uid));
    EXPECT_TRUE(row.has_value()) << "no journal row for uid " << uid;
    return row ? row->reason.value_or("") : "";
  }
  void expect_skipped(imap::Uid uid) {
    auto flags = flags_of(uid);
    EXPECT_TRUE(has(flags, "\\Seen")) << uid;
    EXPECT_TRUE(has(flags, "$RavenSkipped")) << uid;
    EXPECT_FALSE(has(flags, "\\Answered")) << uid;
    EXPECT_EQ(state(uid), store::State::skipped) << uid;
  }
  // The sink's messages, parsed.
  std::vector<message::Request> sent() {
    std::vector<message::Request> out;
    for (const auto& m : sink.messages()) out.push_back(message::parse_message(m.raw));
    return out;
  }
  store::Usage usage_today(const std::string& sender, const std::string& thread = "") {
    return journal.usage(sender, thread, policy::utc_day_start_ms(wall_now()));
  }

  // Offers the model testdata/lookup_order.sh, so that a conversation can
  // have a tool round.
  void offer_a_tool() {
    tool::Spec lookup;
    lookup.name = "lookup_order";
    lookup.description = "Find an order by its number.";
    lookup.command = {std::string(RAVEN_ANSWER_TESTDATA) + "/lookup_order.sh", "{order_id}"};
    lookup.parameters = {{"type", "object"},
                         {"properties", {{"order_id", {{"type", "string"}, {"pattern", "^[0-9]{1,10}$"}}}}},
                         {"required", {"order_id"}}};
    lookup.env = {{"TOOL_MARKER", state_dir.path() + "/tool-ran"}};
    registry = std::make_unique<tool::Registry>(tool::Config{lookup});
    tools = registry.get();
  }
  static nlohmann::json call_tool() {
    return {{"id", "call_1"}, {"name", "lookup_order"}, {"arguments", {{"order_id", "42"}}}};
  }
  static nlohmann::json usage(int total) {
    return {{"prompt_tokens", total - 5}, {"completion_tokens", 5}, {"total_tokens", total}};
  }

  policy::Config rules;
  std::unique_ptr<tool::Registry> registry;
};

TEST_F(AnswerPolicyTest, PerSenderBudgetSkipsWithoutTheModelAndNoticesOncePerDay) {
  rules.limits.replies_per_sender_per_day = 1;
  rules.limits.notice = kNotice;
  for (int n = 1; n <= 4; ++n) dovecot.deliver(question(n));
  dovecot.deliver(question(5, "Bob <bob@example.org>"));
  auto w = make_worker();

  EXPECT_EQ(process(*w, 1), Outcome::answered);
  for (imap::Uid uid : {2u, 3u, 4u}) EXPECT_EQ(process(*w, uid), Outcome::skipped) << uid;
  EXPECT_EQ(llm.requests().size(), 1u) << "no tokens spent on mail over budget";

  // One reply and one notice, for the first message over budget only.
  ASSERT_TRUE(sink.wait_for(2));
  auto mail = sent();
  ASSERT_EQ(mail.size(), 2u);
  const message::Request& notice = mail[1];
  EXPECT_EQ(sink.messages()[1].rcpt_tos, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(notice.subject, "Re: Question 2");
  EXPECT_EQ(notice.in_reply_to, "q2@example.com");
  EXPECT_EQ(notice.references, std::vector<std::string>{"q2@example.com"});
  ASSERT_NE(notice.header("Auto-Submitted"), nullptr);
  EXPECT_EQ(*notice.header("Auto-Submitted"), "auto-replied");
  EXPECT_NE(notice.text.find(kNotice), std::string::npos) << notice.text;
  EXPECT_EQ(notice.text.find("This is question 2"), std::string::npos) << "the notice quotes nothing";
  EXPECT_NE(notice.message_id, message::derive_reply_message_id("q2@example.com", "example.test"))
      << "a notice has its own Message-ID, not the reply's";
  EXPECT_EQ(count("Sent"), 2u) << "the notice is filed in Sent like a reply";

  for (imap::Uid uid : {2u, 3u, 4u}) expect_skipped(uid);
  EXPECT_EQ(reason(2),
            "over-budget-sender: Raven has already sent 1 reply to this sender today (UTC); "
            "policy.limits.replies_per_sender_per_day allows 1. The notice went out as <" +
                notice.message_id + ">.");
  EXPECT_EQ(journal.get(key(2))->reply_message_id, notice.message_id);
  // The notice counts against the budgets like a reply.
  const std::string again =
      "over-budget-sender: Raven has already sent 2 replies to this sender today (UTC); "
      "policy.limits.replies_per_sender_per_day allows 1. The notice already went to this sender today.";
  EXPECT_EQ(reason(3), again);
  EXPECT_EQ(reason(4), again);
  EXPECT_EQ(usage_today("alice@example.com").replies_by_sender, 2);

  // Another sender has a budget of their own.
  EXPECT_EQ(process(*w, 5), Outcome::answered);
  EXPECT_EQ(llm.requests().size(), 2u);
  EXPECT_EQ(sink.message_count(), 3u);

  // The next UTC day: answered again, then one new notice.
  next_day();
  dovecot.deliver(question(6));
  dovecot.deliver(question(7));
  dovecot.deliver(question(8));
  EXPECT_EQ(process(*w, 6), Outcome::answered);
  EXPECT_EQ(process(*w, 7), Outcome::skipped);
  EXPECT_EQ(process(*w, 8), Outcome::skipped);
  EXPECT_EQ(llm.requests().size(), 3u);
  ASSERT_TRUE(sink.wait_for(5));
  mail = sent();
  ASSERT_EQ(mail.size(), 5u);
  EXPECT_EQ(mail[4].in_reply_to, "q7@example.com");
  EXPECT_NE(mail[4].text.find(kNotice), std::string::npos);
  EXPECT_TRUE(reason(8).ends_with("The notice already went to this sender today.")) << reason(8);
}

TEST_F(AnswerPolicyTest, AnAutomatonAnsweringTheNoticeGetsNothing) {
  rules.limits.replies_per_sender_per_day = 1;
  rules.limits.notice = kNotice;
  dovecot.deliver(question(1));
  dovecot.deliver(question(2));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(process(*w, 2), Outcome::skipped);
  ASSERT_TRUE(sink.wait_for(2));
  const std::string notice_id = sent().at(1).message_id;

  // A robot that ignores Auto-Submitted answers the notice at once.
  dovecot.deliver(
      question(3, "alice@example.com",
               "In-Reply-To: <" + notice_id + ">\r\nReferences: <q2@example.com> <" + notice_id + ">\r\n"));
  EXPECT_EQ(process(*w, 3), Outcome::skipped);
  expect_skipped(3);
  EXPECT_TRUE(reason(3).starts_with("fast-reply: ")) << reason(3);
  EXPECT_EQ(llm.requests().size(), 1u);
  EXPECT_EQ(sink.message_count(), 2u) << "no second notice, no reply: no loop";
}

TEST_F(AnswerPolicyTest, BudgetsHoldAcrossARestart) {
  rules.limits.replies_per_sender_per_day = 2;  // no notice: over budget sends nothing
  for (int n = 1; n <= 3; ++n) dovecot.deliver(question(n));
  {
    auto w = make_worker();
    EXPECT_EQ(process(*w, 1), Outcome::answered);
  }
  // A new process: a new Journal on the same file, a new worker.
  store::Journal reopened(journal_config(state_dir), [this] { return wall_now(); });
  auto w = make_worker(&reopened);
  EXPECT_EQ(process(*w, 2), Outcome::answered);
  EXPECT_EQ(process(*w, 3), Outcome::skipped);
  expect_skipped(3);
  EXPECT_EQ(reason(3, &reopened),
            "over-budget-sender: Raven has already sent 2 replies to this sender today (UTC); "
            "policy.limits.replies_per_sender_per_day allows 2.");
  EXPECT_EQ(llm.requests().size(), 2u);
  EXPECT_EQ(sink.message_count(), 2u);
  EXPECT_EQ(reopened.usage("alice@example.com", "", policy::utc_day_start_ms(wall_now())).replies_by_sender,
            2);
}

TEST_F(AnswerPolicyTest, ThreadBudgetIsForeverAndTheDayBudgetIsForEveryone) {
  rules.limits.replies_per_thread = 2;
  dovecot.deliver(question(1));
  dovecot.deliver(
      question(2, "alice@example.com", "In-Reply-To: <q1@example.com>\r\nReferences: <q1@example.com>\r\n"));
  dovecot.deliver(
      question(3, "alice@example.com",
               "In-Reply-To: <q2@example.com>\r\nReferences: <q1@example.com> <q2@example.com>\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(process(*w, 2), Outcome::answered);
  EXPECT_EQ(process(*w, 3), Outcome::skipped);
  EXPECT_EQ(reason(3),
            "over-budget-thread: Raven has already sent 2 replies in this thread; "
            "policy.limits.replies_per_thread allows 2.");
  EXPECT_EQ(journal.usage("alice@example.com", "q1@example.com", 0).replies_in_thread, 2);
  // A thread's budget does not renew with the day; a new thread is answered.
  next_day();
  dovecot.deliver(
      question(4, "alice@example.com", "In-Reply-To: <q3@example.com>\r\nReferences: <q1@example.com>\r\n"));
  dovecot.deliver(question(5));
  EXPECT_EQ(process(*w, 4), Outcome::skipped);
  EXPECT_TRUE(reason(4).starts_with("over-budget-thread: ")) << reason(4);
  EXPECT_EQ(process(*w, 5), Outcome::answered);
  EXPECT_EQ(llm.requests().size(), 3u);

  // The day's budget counts every sender.
  rules.limits.replies_per_day = 2;
  dovecot.deliver(question(6, "carol@example.org"));
  dovecot.deliver(question(7, "dave@example.org"));
  EXPECT_EQ(process(*w, 6), Outcome::answered);
  EXPECT_EQ(process(*w, 7), Outcome::skipped);
  EXPECT_EQ(reason(7),
            "over-budget-day: Raven has already sent 2 replies today (UTC); policy.limits.replies_per_day "
            "allows 2.");
  EXPECT_EQ(llm.requests().size(), 4u);
  EXPECT_EQ(sink.message_count(), 4u);
  expect_skipped(7);
}

TEST_F(AnswerPolicyTest, TokenBudgetCountsEveryRequestOfAConversation) {
  offer_a_tool();
  rules.limits.tokens_per_day = 100;
  llm.set_script(nlohmann::json::array({{{"tool_calls", {call_tool()}}, {"usage", usage(40)}},
                                        {{"content", "Order 42 has shipped."}, {"usage", usage(45)}},
                                        {{"content", "Second answer."}, {"usage", usage(30)}},
                                        {{"content", "Next day."}, {"usage", usage(10)}}}));
  for (int n = 1; n <= 3; ++n) dovecot.deliver(question(n));
  auto w = make_worker();

  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(llm.requests().size(), 2u);
  EXPECT_EQ(usage_today("alice@example.com").tokens, 85) << "both requests, the tool round included";
  EXPECT_EQ(process(*w, 2), Outcome::answered);  // 85 < 100: asked, and it costs 30 more
  EXPECT_EQ(usage_today("alice@example.com").tokens, 115);
  EXPECT_EQ(process(*w, 3), Outcome::skipped);
  EXPECT_EQ(reason(3),
            "over-budget-tokens: The LLM has already used 115 tokens today (UTC); "
            "policy.limits.tokens_per_day allows 100.");
  EXPECT_EQ(llm.requests().size(), 3u) << "no request once the budget is spent";
  expect_skipped(3);

  next_day();
  dovecot.deliver(question(4));
  EXPECT_EQ(process(*w, 4), Outcome::answered);
  EXPECT_EQ(usage_today("alice@example.com").tokens, 10);
  EXPECT_EQ(sink.message_count(), 3u);
}

TEST_F(AnswerPolicyTest, TokensOfAConversationThatFailsHalfWayStillCount) {
  offer_a_tool();
  rules.limits.tokens_per_day = 1000;
  // A tool round, then the LLM fails: the message waits for a retry, and
  // the first request's tokens were spent all the same.
  llm.set_script(
      nlohmann::json::array({{{"tool_calls", {call_tool()}}, {"usage", usage(70)}}, {{"status", 503}}}));
  dovecot.deliver(question(1));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  EXPECT_EQ(llm.requests().size(), 2u);
  EXPECT_EQ(usage_today("alice@example.com").tokens, 70);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_FALSE(has(flags_of(1), "\\Seen"));
}

TEST_F(AnswerPolicyTest, AFastAutomaticReplyToOurReplyIsSkippedWithoutTheModel) {
  dovecot.deliver(question(1));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  ASSERT_TRUE(sink.wait_for(1));
  const std::string reply_id = sent().at(0).message_id;
  ASSERT_EQ(reply_id, message::derive_reply_message_id("q1@example.com", "example.test"));

  // An auto-responder without Auto-Submitted answers within seconds.
  const std::string answering_ours =
      "In-Reply-To: <" + reply_id + ">\r\nReferences: <q1@example.com> <" + reply_id + ">\r\n";
  dovecot.deliver(question(2, "alice@example.com", answering_ours));
  EXPECT_EQ(process(*w, 2), Outcome::skipped);
  expect_skipped(2);
  EXPECT_EQ(reason(2),
            "fast-reply: The message answers one of our own replies less than a minute after it was sent; "
            "people do not answer that fast, automatons do.");
  EXPECT_EQ(llm.requests().size(), 1u) << "the model was not asked";
  EXPECT_EQ(sink.message_count(), 1u);

  // A person answering the same reply two minutes later is answered.
  wall_offset_ms += 2 * 60'000;
  dovecot.deliver(question(3, "alice@example.com", answering_ours));
  EXPECT_EQ(process(*w, 3), Outcome::answered);
  EXPECT_EQ(llm.requests().size(), 2u);
  EXPECT_EQ(sink.message_count(), 2u);
}

TEST_F(AnswerPolicyTest, ANoticeInterruptedWhileSendingIsNeverSentAgain) {
  config.on_uncertain = OnUncertain::resend;  // even so: a notice is never resent
  rules.limits.replies_per_sender_per_day = 1;
  rules.limits.notice = kNotice;
  dovecot.deliver(question(1));
  dovecot.deliver(question(2));
  {
    auto w = make_worker();
    EXPECT_EQ(process(*w, 1), Outcome::answered);
  }
  // Raven dies right after the SMTP server took the notice.
  crash_point = [](std::string_view point) {
    if (point == "after_smtp_accepted") throw Crash{};
  };
  {
    auto w = make_worker();
    ASSERT_TRUE(tracker.try_acquire(2));
    EXPECT_THROW(w->process(2, {}), Crash);
    tracker.release(2);
  }
  EXPECT_EQ(state(2), store::State::sending);
  ASSERT_TRUE(sink.wait_for(2));

  crash_point = {};
  auto w = make_worker();
  EXPECT_EQ(process(*w, 2), Outcome::skipped);
  expect_skipped(2);
  EXPECT_NE(reason(2).find("may or may not have gone out and is not sent again"), std::string::npos)
      << reason(2);
  EXPECT_TRUE(reason(2).starts_with("over-budget-sender: ")) << reason(2);
  EXPECT_TRUE(journal.uncertain(10).empty()) << "not listed as an uncertain reply: it was no reply";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sink.message_count(), 2u) << "the notice went out once";
  EXPECT_EQ(llm.requests().size(), 1u);
}

}  // namespace
}  // namespace raven::answer
