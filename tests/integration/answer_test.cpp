// The answer worker end to end against real servers on loopback: a private
// Dovecot (tests/fixture), the aiosmtpd sink and the LLM stand-in
// (tests/support). Each test delivers mail over LMTP, lets one worker handle
// the UID, and checks what reached the sink, the flags on the original and
// the journal. The crash recovery cases put the journal row in the state a
// crash would have left (sent, sending) and let the worker meet it again.
// The tool cases (AnswerToolTest) let the stand-in call a real script
// (testdata/lookup_order.sh) through a tool::Registry. The fixture is in
// answer_fixture.hpp; the policy cases that need the journal (budgets,
// notices, fast replies) are in answer_policy_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "answer_fixture.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"

namespace raven::answer {
namespace {

using namespace std::chrono_literals;

using test::AnswerTest;
using test::kQuestion;

TEST_F(AnswerTest, AnswersInThreadAndFlagsTheOriginal) {
  llm.set_script(nlohmann::json::array({{{"content", "We are **closed** on Sundays."}}}));
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);

  ASSERT_TRUE(sink.wait_for(1));
  auto sent = sink.messages();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].rcpt_tos, std::vector<std::string>{"alice@example.com"});
  auto reply = message::parse_message(sent[0].raw);
  EXPECT_EQ(reply.subject, "Re: Opening hours");
  EXPECT_EQ(reply.in_reply_to, "q1@example.com");
  EXPECT_EQ(reply.message_id, message::derive_reply_message_id("q1@example.com", "example.test"));
  EXPECT_EQ(reply.references, (std::vector<std::string>{"q0@example.com", "q1@example.com"}));
  ASSERT_NE(reply.header("Auto-Submitted"), nullptr);
  EXPECT_EQ(*reply.header("Auto-Submitted"), "auto-replied");
  EXPECT_EQ(reply.content_type, "multipart/alternative");
  EXPECT_NE(sent[0].raw.find("text/plain"), std::string::npos);
  EXPECT_NE(sent[0].raw.find("text/html"), std::string::npos);
  EXPECT_NE(reply.text.find("closed"), std::string::npos);
  // The To header, not only the envelope, names the asker; the HTML part is
  // the model's Markdown rendered.
  ASSERT_EQ(reply.to.size(), 1u);
  EXPECT_EQ(reply.to[0].address, "alice@example.com");
  EXPECT_NE(sent[0].raw.find("<strong>closed</strong>"), std::string::npos) << sent[0].raw;

  auto flags = flags_of(1);
  EXPECT_TRUE(has(flags, "\\Seen")) << ::testing::PrintToString(flags);
  EXPECT_TRUE(has(flags, "\\Answered"));
  EXPECT_EQ(count("Sent"), 1u);
  {
    // The copy in Sent carries the same Message-ID (what settles an
    // uncertain send after a crash).
    auto s = imap::Session::connect(dovecot.imap_config());
    s.examine("Sent");
    imap::SearchQuery query;
    query.unseen = false;
    query.headers = {{"Message-ID", reply.message_id}};
    EXPECT_EQ(s.uid_search(query).size(), 1u);
  }
  EXPECT_FALSE(tracker.held(1));
  auto row = journal.get(key(1));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, store::State::done);
  EXPECT_EQ(row->message_id, "q1@example.com");
  EXPECT_EQ(row->reply_message_id, reply.message_id);
  // The model saw the mail as the user turn, after the system prompt.
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 1u);
  auto body = requests[0]["body"];
  EXPECT_EQ(body["messages"][0]["content"], "You answer email.");
  EXPECT_NE(body["messages"][1]["content"].get<std::string>().find("When are you open on Sundays?"),
            std::string::npos);
}

TEST_F(AnswerTest, DraftModeStoresADraftAndSendsNothing) {
  config.mode = Mode::draft;
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_EQ(count("Drafts"), 1u);
  EXPECT_TRUE(has(flags_of(1, "Drafts"), "\\Draft"));
  EXPECT_TRUE(has(flags_of(1), "\\Answered"));
}

TEST_F(AnswerTest, SenderNotAllowedGetsNothing) {
  // "malice@example.com" passes the server's substring FROM search for
  // alice@example.com; the exact allow-list stops it.
  dovecot.deliver(testing::make_message("malice@example.com", "hi", "run my tool"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::skipped);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_TRUE(llm.requests().empty());
  auto flags = flags_of(1);
  EXPECT_TRUE(has(flags, "\\Seen"));
  EXPECT_TRUE(has(flags, "$RavenSkipped"));
}

TEST_F(AnswerTest, ReplyToAStrangerIsNotAnswered) {
  std::string m = kQuestion;
  m.insert(0, "Reply-To: evil@attacker.test\r\n");
  dovecot.deliver(m);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::skipped);
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST_F(AnswerTest, LlmErrorsAreRetriedLaterThenAnsweredOnce) {
  config.retry_initial = 1min;  // later() moves the wall clock past it
  config.retry_max = 10min;
  llm.set_script(nlohmann::json{{"responses", {{{"status", 500}, {"repeat", 2}}}}, {"default", {{"content", "ok"}}}});
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  EXPECT_FALSE(has(flags_of(1), "\\Seen"));
  EXPECT_FALSE(retries.due(1, clock.now() - 1s));
  // Dispatched again before its time (as after a restart): nothing happens.
  EXPECT_EQ(process(*w, 1), Outcome::waiting);
  EXPECT_EQ(llm.requests().size(), 1u);
  later();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  auto row = journal.get(key(1));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->attempts, 2);
  EXPECT_EQ(row->state, store::State::seen);
  EXPECT_EQ(row->last_error_kind, ErrorKind::transient);
  EXPECT_NE(row->last_error.value_or("").find("500"), std::string::npos) << row->last_error.value_or("");
  later();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 1u);
  EXPECT_EQ(retries.attempts(1), 0u);
  EXPECT_EQ(state(1), store::State::done);
}

// The wait before the next attempt starts at answer.retry_initial, doubles
// with each failure and stops at answer.retry_max; the journal keeps it.
TEST_F(AnswerTest, TheRetryDelayDoublesUpToTheMaximum) {
  config.retry_initial = 1min;
  config.retry_max = 5min;
  config.max_attempts = 10;
  llm.set_script(nlohmann::json::array({{{"status", 503}}}));
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  std::vector<std::int64_t> waits;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(process(*w, 1), Outcome::retry_later) << i;
    const auto row = journal.get(key(1));
    ASSERT_TRUE(row && row->next_attempt_ms);
    const std::int64_t wait_ms = *row->next_attempt_ms - wall_now();
    waits.push_back((wait_ms + 30'000) / 60'000);  // whole minutes; the test's own seconds do not count
    wall_offset_ms += wait_ms + 1;                 // the next attempt is due
  }
  EXPECT_EQ(waits, (std::vector<std::int64_t>{1, 2, 4, 5, 5}));
  EXPECT_EQ(journal.get(key(1))->attempts, 5);
}

TEST_F(AnswerTest, LlmHangingPastTheTimeoutLeavesTheMessageUnseen) {
  llm_config.timeout = 1s;
  llm.set_script(nlohmann::json::array({{{"hang", true}}}));
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_FALSE(has(flags_of(1), "\\Seen"));
}

TEST_F(AnswerTest, TooManyTransientFailuresBecomeAFailure) {
  config.max_attempts = 2;
  llm.set_script(nlohmann::json::array({{{"status", 503}}}));
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  later();
  EXPECT_EQ(process(*w, 1), Outcome::failed);
  EXPECT_TRUE(has(flags_of(1), "$RavenFailed"));
  EXPECT_EQ(state(1), store::State::failed);
}

TEST_F(AnswerTest, Smtp550MarksTheMessageFailed) {
  testing::SinkBehaviour refuse;
  refuse.reject_rcpt = std::vector<std::string>{"alice@example.com"};
  sink.set_behaviour(refuse);
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::failed);
  auto flags = flags_of(1);
  EXPECT_TRUE(has(flags, "\\Seen"));
  EXPECT_TRUE(has(flags, "$RavenFailed"));
  EXPECT_FALSE(has(flags, "\\Answered"));
  auto row = journal.get(key(1));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, store::State::failed);
  EXPECT_EQ(row->last_error_kind, ErrorKind::permanent);
}

TEST_F(AnswerTest, SmtpDownIsRetriedAfterItReturns) {
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  sink.stop();
  EXPECT_EQ(process(*w, 1), Outcome::retry_later);
  EXPECT_FALSE(has(flags_of(1), "\\Seen"));
  EXPECT_EQ(state(1), store::State::seen) << "not sent: back to seen, free to retry";
  sink.start();
  later();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 1u);
}

// ---- policy: decided before any LLM call ----

TEST_F(AnswerTest, PolicySkipsAnAutoReplyAndANewsletterWithoutAskingTheModel) {
  policy::Config rules;
  rules.addresses = {"raven@example.test"};
  policy = &rules;
  std::string auto_reply = kQuestion;
  auto_reply.insert(0, "Auto-Submitted: auto-replied\r\n");
  std::string newsletter = kQuestion;
  newsletter.insert(0, "List-Id: <news.example.com>\r\nList-Unsubscribe: <mailto:leave@example.com>\r\n");
  newsletter.replace(newsletter.find("<q1@"), 4, "<q2@");
  dovecot.deliver(auto_reply);
  dovecot.deliver(newsletter);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::skipped);
  EXPECT_EQ(process(*w, 2), Outcome::skipped);
  EXPECT_TRUE(llm.requests().empty());
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_TRUE(has(flags_of(1), "$RavenSkipped"));
  auto r1 = journal.get(key(1));
  auto r2 = journal.get(key(2));
  ASSERT_TRUE(r1 && r2);
  EXPECT_TRUE(r1->reason.value_or("").starts_with("auto-submitted")) << r1->reason.value_or("");
  EXPECT_TRUE(r2->reason.value_or("").starts_with("mailing-list")) << r2->reason.value_or("");
}

TEST_F(AnswerTest, PolicyAnswersAPlainQuestion) {
  policy::Config rules;
  rules.addresses = {"raven@example.test"};
  policy = &rules;
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 1u);
}

// ---- the journal: exactly once across crashes and re-deliveries ----

TEST_F(AnswerTest, TheSameMailDeliveredTwiceIsAnsweredOnce) {
  dovecot.deliver(kQuestion);
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(process(*w, 2), Outcome::skipped);
  EXPECT_EQ(sink.message_count(), 1u);
  EXPECT_EQ(llm.requests().size(), 1u) << "no tokens spent on the copy";
  auto flags = flags_of(2);
  EXPECT_TRUE(has(flags, "\\Seen"));
  EXPECT_TRUE(has(flags, "\\Answered"));
  auto row = journal.get(key(2));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, store::State::skipped);
  EXPECT_TRUE(row->reason.value_or("").starts_with("duplicate")) << row->reason.value_or("");
}

TEST_F(AnswerTest, SentButNotFlaggedIsFlaggedOnlyNeverResent) {
  dovecot.deliver(kQuestion);
  crashed_in(1, store::State::sent, "q1@example.com");
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_TRUE(llm.requests().empty());
  EXPECT_TRUE(has(flags_of(1), "\\Answered"));
  EXPECT_EQ(state(1), store::State::done);
}

TEST_F(AnswerTest, UncertainSendIsSkippedAndListed) {
  dovecot.deliver(kQuestion);
  crashed_in(1, store::State::sending, "q1@example.com");
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::skipped);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_TRUE(llm.requests().empty());
  auto flags = flags_of(1);
  EXPECT_TRUE(has(flags, "\\Seen"));
  EXPECT_TRUE(has(flags, "$RavenSkipped"));
  EXPECT_FALSE(has(flags, "\\Answered"));
  auto uncertain = journal.uncertain(10);
  ASSERT_EQ(uncertain.size(), 1u);
  EXPECT_EQ(uncertain[0].key.uid, 1u);
}

TEST_F(AnswerTest, UncertainSendIsSettledByTheCopyInSent) {
  dovecot.deliver(kQuestion);
  crashed_in(1, store::State::sending, "q1@example.com");
  {
    // The copy the crashed process had saved.
    auto s = imap::Session::connect(dovecot.imap_config());
    const std::string id = message::derive_reply_message_id("q1@example.com", "example.test");
    s.append("Sent", testing::make_message("raven@example.test", "Re: Opening hours", "closed\r\n", id), {"\\Seen"});
  }
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 0u);
  EXPECT_TRUE(has(flags_of(1), "\\Answered"));
  EXPECT_EQ(state(1), store::State::done);
  EXPECT_TRUE(journal.uncertain(10).empty());
}

TEST_F(AnswerTest, UncertainSendIsSentAgainUnderResend) {
  config.on_uncertain = OnUncertain::resend;
  dovecot.deliver(kQuestion);
  crashed_in(1, store::State::sending, "q1@example.com");
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 1u);
  EXPECT_EQ(state(1), store::State::done);
}

TEST_F(AnswerTest, SmtpTimeoutAfterTheDataIsUncertain) {
  // The sink takes the message but answers after our deadline: the reply may
  // be out, so under on_uncertain: skip it is never sent again.
  testing::SinkBehaviour slow;
  slow.delay_data = 3s;
  sink.set_behaviour(slow);
  auto smtp = sink.smtp_config();
  smtp.timeout = 1s;
  dovecot.deliver(kQuestion);
  auto w = std::make_unique<Worker>(config, dovecot.imap_config(), llm_config, smtp,
                                    Dependencies{.tracker = tracker,
                                                 .retries = retries,
                                                 .queue = queue,
                                                 .filter = filter,
                                                 .journal = journal,
                                                 .clock = clock,
                                                 .logger = log::Logger({log::Level::error, log::Format::text}),
                                                 .on_fatal = {}},
                                    1);
  EXPECT_EQ(process(*w, 1), Outcome::skipped);
  EXPECT_EQ(journal.uncertain(10).size(), 1u);
  EXPECT_TRUE(has(flags_of(1), "$RavenSkipped"));
  const int connections = sink.connections();
  later();
  EXPECT_EQ(process(*w, 1), Outcome::skipped) << "met again: still not resent";
  EXPECT_EQ(sink.connections(), connections) << "no second submission was attempted";
  EXPECT_EQ(llm.requests().size(), 1u);
}

TEST_F(AnswerTest, ARecreatedMailboxReanswersNothing) {
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  // The same mail under another UIDVALIDITY: recorded as a new key.
  const store::Key moved{"INBOX", uidvalidity() + 1, 1};
  journal.record_seen(moved, "q1@example.com");
  auto claim = journal.begin_sending(moved, {store::State::seen}, "x@example.test");
  EXPECT_FALSE(claim.claimed);
  ASSERT_TRUE(claim.answered_as);
  EXPECT_EQ(claim.answered_as->key.uid, 1u);
}

TEST_F(AnswerTest, BigAttachmentIsNeverDownloaded) {
  std::string m =
      "From: alice@example.com\r\nTo: raven@example.test\r\nSubject: big\r\nMessage-ID: <big@example.com>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
      "--XX\r\nContent-Type: text/plain\r\n\r\nPlease look at the attachment.\r\n"
      "--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  const std::string line(76, 'A');
  for (std::size_t n = 0; n < 20u * 1024 * 1024 / 77; ++n) m += line + "\r\n";
  m += "--XX--\r\n";
  dovecot.deliver(m);
  {
    auto w = make_worker();
    EXPECT_EQ(process(*w, 1), Outcome::answered);
  }  // the worker's IMAP session closes; Dovecot logs its byte counts
  EXPECT_EQ(sink.message_count(), 1u);
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0]["body"].dump().find("big.bin"), std::string::npos);
  // Dovecot logs "in=N out=M" when a session ends: M is what it sent us.
  std::this_thread::sleep_for(500ms);
  std::ifstream log(dovecot.log_path());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  std::regex out_re("out=([0-9]+)");
  std::uint64_t largest = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), out_re); it != std::sregex_iterator(); ++it) {
    largest = std::max<std::uint64_t>(largest, std::stoull((*it)[1]));
  }
  EXPECT_GT(largest, 0u) << text;
  RecordProperty("imap_bytes_read", static_cast<int>(largest));
  std::cout << "largest IMAP session read " << largest << " bytes for a " << m.size() << "-byte message\n";
  EXPECT_LT(largest, 64u * 1024) << "an IMAP session read " << largest << " bytes";
}

// Gmail's SMTP server files every message it sends in [Gmail]/Sent Mail by
// itself: against a server announcing X-GM-EXT-1, no copy is appended.
class AnswerGmailTest : public AnswerTest {
 protected:
  AnswerGmailTest() : AnswerTest(testing::DovecotOptions{.idle = true, .extra_capabilities = "X-GM-EXT-1"}) {}
};

TEST_F(AnswerGmailTest, NoCopyInSentWhenTheServerFilesItItself) {
  {
    auto s = imap::Session::connect(dovecot.imap_config());
    ASSERT_TRUE(s.has_capability("X-GM-EXT-1")) << "the fixture announces it";
  }
  llm.set_script(nlohmann::json::array({{{"content", "We are closed on Sundays."}}}));
  dovecot.deliver(testing::make_message("alice@example.com", "Opening hours", "When are you open?\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  EXPECT_EQ(sink.message_count(), 1u);
  EXPECT_TRUE(has(flags_of(1), "\\Answered"));
  EXPECT_EQ(count("Sent"), 0u) << "Gmail keeps its own copy; an APPEND would make a second";
  EXPECT_EQ(journal.get(key(1))->state, store::State::done);
}

// Part 1 is fetched with the headers, on the guess that it holds the text;
// whatever the message's shape, the model reads the text part (the same
// bytes a FETCH of that part alone would give), never an attachment.
TEST_F(AnswerTest, TheModelReadsTheTextPartWhereverItIs) {
  config.max_text = 1024;
  const std::string head =
      "From: alice@example.com\r\nTo: raven@example.test\r\nMIME-Version: 1.0\r\n";
  std::string many_e;  // 1,000 x "é" in quoted-printable: 6,000 bytes for 2,000 of text
  for (int i = 0; i < 1000; ++i) many_e += (i % 12 == 11) ? "=C3=A9=\r\n" : "=C3=A9";
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"single part",
       "Subject: one\r\nMessage-ID: <s1@example.com>\r\nContent-Type: text/plain\r\n\r\nText in part one.\r\n"},
      {"attachment first",
       "Subject: two\r\nMessage-ID: <s2@example.com>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
       "--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\n"
       "\r\nATTACHMENT-BYTES\r\n--B\r\nContent-Type: text/plain\r\n\r\nText in part two.\r\n--B--\r\n"},
      {"alternative inside mixed",
       "Subject: three\r\nMessage-ID: <s3@example.com>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
       "--B\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n"
       "--C\r\nContent-Type: text/plain\r\n\r\nText in part 1.1.\r\n"
       "--C\r\nContent-Type: text/html\r\n\r\n<p>HTML-COPY</p>\r\n--C--\r\n"
       "--B\r\nContent-Type: application/pdf\r\n\r\nPDF-BYTES\r\n--B--\r\n"},
      // Longer than the guess fetched (the exact fetch asks for 3 x max_text
      // of quoted-printable): fetched again, so the model gets max_text bytes.
      {"part one longer than the guess",
       "Subject: four\r\nMessage-ID: <s4@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + many_e + "\r\n"},
  };
  for (const auto& [name, rest] : shapes) dovecot.deliver(head + rest);
  auto w = make_worker();
  for (imap::Uid uid = 1; uid <= shapes.size(); ++uid) EXPECT_EQ(process(*w, uid), Outcome::answered) << uid;
  const auto requests = llm.requests();
  ASSERT_EQ(requests.size(), shapes.size());
  auto asked = [&](std::size_t i) { return requests[i]["body"]["messages"][1]["content"].get<std::string>(); };
  EXPECT_NE(asked(0).find("Text in part one."), std::string::npos) << asked(0);
  EXPECT_NE(asked(1).find("Text in part two."), std::string::npos) << asked(1);
  EXPECT_EQ(asked(1).find("ATTACHMENT-BYTES"), std::string::npos) << asked(1);
  EXPECT_NE(asked(2).find("Text in part 1.1."), std::string::npos) << asked(2);
  EXPECT_EQ(asked(2).find("HTML-COPY"), std::string::npos) << asked(2);
  EXPECT_EQ(asked(2).find("PDF-BYTES"), std::string::npos) << asked(2);
  std::size_t es = 0;
  for (std::size_t at = asked(3).find("é"); at != std::string::npos; at = asked(3).find("é", at + 1)) ++es;
  EXPECT_EQ(es, 512u) << "max_text (1,024 bytes) of text: " << asked(3);
}

// ---- tools: the model calls a real program (issue 5) ----

// lookup_order runs testdata/lookup_order.sh, which appends its argument to
// the marker file and prints "order N: shipped (asked by SENDER)".
class AnswerToolTest : public AnswerTest {
 protected:
  AnswerToolTest() : marker(state_dir.path() + "/tool-ran") {}

  tool::Spec lookup_order() const {
    tool::Spec s;
    s.name = "lookup_order";
    s.description = "Find an order by its number and return its status.";
    s.command = {std::string(RAVEN_ANSWER_TESTDATA) + "/lookup_order.sh", "{order_id}"};
    s.parameters = {{"type", "object"},
                    {"properties", {{"order_id", {{"type", "string"}, {"pattern", "^[0-9]{1,10}$"}}}}},
                    {"required", {"order_id"}},
                    {"additionalProperties", false}};
    s.env = {{"TOOL_MARKER", marker}};
    s.timeout = 5s;
    return s;
  }
  void use(tool::Config specs) {
    registry = std::make_unique<tool::Registry>(specs);
    tools = registry.get();
  }
  static nlohmann::json call(nlohmann::json arguments, const std::string& name = "lookup_order") {
    return {{"tool_calls", {{{"id", "call_1"}, {"name", name}, {"arguments", std::move(arguments)}}}}};
  }
  // The lines the tool appended to the marker: one per run.
  std::vector<std::string> runs() const {
    std::ifstream in(marker);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  static std::vector<std::string> offered(const nlohmann::json& request) {
    std::vector<std::string> names;
    const auto& body = request["body"];
    if (!body.contains("tools")) return names;
    for (const auto& t : body["tools"]) names.push_back(t["function"]["name"].get<std::string>());
    return names;
  }
  // The last message of a request the stand-in received.
  static nlohmann::json last_message(const nlohmann::json& request) {
    return request["body"]["messages"].back();
  }

  std::string marker;
  std::unique_ptr<tool::Registry> registry;
};

TEST_F(AnswerToolTest, TheModelLooksUpAnOrderAndTheReplyCarriesItsFinalText) {
  use({lookup_order()});
  llm.set_script(nlohmann::json::array(
      {call({{"order_id", "42"}}), {{"content", "Good news: order **42** has shipped."}}}));
  dovecot.deliver(testing::make_message("alice@example.com", "Where is my order?", "Order 42, please.\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);

  EXPECT_EQ(runs(), std::vector<std::string>{"42"}) << "the tool ran once, with the model's argument";
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(offered(requests[0]), std::vector<std::string>{"lookup_order"});
  EXPECT_EQ(requests[0]["tool_choice"], "auto");
  const auto result = last_message(requests[1]);
  EXPECT_EQ(result["role"], "tool");
  EXPECT_EQ(result["tool_call_id"], "call_1");
  EXPECT_EQ(result["content"], "exit status 0\n\norder 42: shipped (asked by alice@example.com)\n");

  ASSERT_TRUE(sink.wait_for(1));
  auto reply = message::parse_message(sink.messages().at(0).raw);
  EXPECT_NE(reply.text.find("Good news: order **42** has shipped."), std::string::npos) << reply.text;
  EXPECT_EQ(state(1), store::State::done);
}

TEST_F(AnswerToolTest, ArgumentsBreakingTheSchemaNeverRunTheToolAndTheModelSeesWhy) {
  use({lookup_order()});
  llm.set_script(nlohmann::json::array(
      {call({{"order_id", "42; rm -rf /"}}), {{"content", "I could not look that order up."}}}));
  dovecot.deliver(testing::make_message("alice@example.com", "Order", "Order 42; rm -rf /\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);

  EXPECT_FALSE(std::filesystem::exists(marker)) << "the tool ran";
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto result = last_message(requests[1]);
  EXPECT_EQ(result["role"], "tool");
  EXPECT_EQ(result["tool_call_id"], "call_1");
  const std::string content = result["content"];
  EXPECT_TRUE(content.starts_with("error: the tool did not run:")) << content;
  EXPECT_NE(content.find("order_id: must match the pattern ^[0-9]{1,10}$"), std::string::npos) << content;
  ASSERT_TRUE(sink.wait_for(1));
  EXPECT_NE(sink.messages().at(0).raw.find("I could not look that order up."), std::string::npos);
}

TEST_F(AnswerToolTest, ASenderNotInAllowSendersIsNeverOfferedTheTool) {
  tool::Spec restricted = lookup_order();
  restricted.allow_senders = {"boss@example.com", "@staff.example.com"};
  tool::Spec hours = lookup_order();
  hours.name = "opening_hours";
  use({restricted, hours});
  // The model calls the hidden tool anyway (a prompt injection might name it).
  llm.set_script(nlohmann::json::array({call({{"order_id", "42"}}), {{"content", "Sorry."}}}));
  dovecot.deliver(testing::make_message("alice@example.com", "Order", "Order 42\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);

  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(offered(r), std::vector<std::string>{"opening_hours"});
    EXPECT_EQ(r["body"].dump().find("\"name\":\"lookup_order\",\"description\""), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(last_message(requests[1])["content"],
            "error: the tool did not run: there is no tool named \"lookup_order\"");
}

TEST_F(AnswerToolTest, NoToolsMeansNoToolsField) {
  // A registry without tools, as with no tools: section: today's single request.
  use({});
  dovecot.deliver(kQuestion);
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0]["body"].contains("tools"));
  EXPECT_FALSE(requests[0]["body"].contains("tool_choice"));
}

TEST_F(AnswerToolTest, AModelCallingToolsForeverIsCutOffAtTheRoundCap) {
  use({lookup_order()});
  llm_config.max_tool_rounds = 2;
  llm.set_script({{"responses", nlohmann::json::array()}, {"default", call({{"order_id", "7"}})}});
  dovecot.deliver(testing::make_message("alice@example.com", "Order", "Order 7\r\n"));
  auto w = make_worker();
  EXPECT_EQ(process(*w, 1), Outcome::answered);

  EXPECT_EQ(runs(), (std::vector<std::string>{"7", "7"}));
  auto requests = llm.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0]["tool_choice"], "auto");
  EXPECT_EQ(requests[1]["tool_choice"], "auto");
  EXPECT_EQ(requests[2]["tool_choice"], "none");
  // The stand-in honours tool_choice none with its echo of the last tool result.
  ASSERT_TRUE(sink.wait_for(1));
  auto reply = message::parse_message(sink.messages().at(0).raw);
  EXPECT_NE(reply.text.find("Tool result: exit status 0"), std::string::npos) << reply.text;
}

}  // namespace
}  // namespace raven::answer
