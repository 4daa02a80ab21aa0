// Crash recovery of the whole daemon (issue 4, "Tests"): the real `raven`
// binary is killed with SIGKILL at each step of the reply protocol and
// started again, and the outside world must show exactly one reply (or none,
// for an unknowable outcome under answer.on_uncertain: skip) and the right
// final state in the journal and in the flags on the server. Also: a kill
// between storing the flags and recording `done` still ends `done`; the same
// mail delivered three times gets one reply; and after a UIDVALIDITY change
// (the mailbox recreated, the same mails delivered again) nothing is
// answered again.
//
// Why the binary and SIGKILL: a crash runs no destructors and flushes
// nothing, so only a killed process proves that the journal, not some
// in-memory state, carries the promise. RAVEN_CRASH_AT=<point> makes raven
// send itself SIGKILL at a named point (a test-build-only hook in
// src/service/crash_points.hpp); the test checks that it died by SIGKILL and
// that the journal and the SMTP sink show the crash happened where claimed,
// then restarts it without the variable and waits (bounded) for the journal
// to show a terminal state.
//
// Servers: a private Dovecot, the aiosmtpd sink and the LLM stand-in on
// loopback (DESIGN.md, "Testing"); nothing is mocked.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "fixture/dovecot.hpp"
#include "fixture/net.hpp"
#include "imap/session.hpp"
#include "support/llm_standin.hpp"
#include "support/raven_harness.hpp"
#include "support/smtp_sink.hpp"

namespace raven::testing {
namespace {

using namespace std::chrono_literals;
using store::State;

constexpr auto kCrashTimeout = 60s;   // raven reaches the crash point and dies
constexpr auto kSettleTimeout = 90s;  // the restarted raven brings the message to a terminal state

bool killed_by_sigkill(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}
bool exited_zero(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool all_terminal(const std::vector<store::Record>& rows) {
  return std::all_of(rows.begin(), rows.end(),
                     [](const store::Record& r) { return store::is_terminal(r.state); });
}

bool starts_with(const std::optional<std::string>& text, std::string_view prefix) {
  return text && text->starts_with(prefix);
}

class CrashTest : public ::testing::Test {
 protected:
  CrashTest() {
    config.imap = dovecot.imap_config();
    config.smtp_port = sink.port();
    config.llm_base_url = llm.base_url();
    config.state_path = dir.file("journal.db");
  }

  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << diagnostics();
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string kept = raven.keep_log(std::string("crash-") + test->name());
    if (!kept.empty()) std::cerr << "--- raven's whole log: " << kept << "\n";
  }

  std::string diagnostics() {
    std::string out = raven.log_tail(80);
    if (auto rows = journal.rows()) out += "--- journal:\n" + describe(*rows);
    out += "--- replies in the sink:\n";
    for (const auto& r : sent_replies(sink))
      out += "  <" + r.message_id + "> in reply to <" + r.in_reply_to + ">\n";
    out += "--- dovecot log:\n" + dovecot.log_tail(20);
    return out;
  }

  void start_raven(std::optional<std::string> crash_at = std::nullopt) {
    write_config(config_path, config);
    raven.start(std::move(crash_at));
  }

  // A message from an allowed sender with this Message-ID (bare), ready to deliver.
  static std::string message(const std::string& id, const std::string& subject) {
    return make_message("asker@example.com", subject, "What is the answer?", "<" + id + ">");
  }

  // Waits until the journal has at least `count` rows for `id`, all terminal.
  std::vector<store::Record> wait_terminal(const std::string& id, std::size_t count = 1,
                                           std::chrono::milliseconds timeout = kSettleTimeout) {
    std::vector<store::Record> rows;
    const bool done = wait_until(
        [&] {
          auto found = journal.rows_for(id);
          if (!found) return false;
          rows = *found;
          return rows.size() >= count && all_terminal(rows);
        },
        timeout);
    EXPECT_TRUE(done) << "the journal did not show " << count << " terminal row(s) for <" << id << "> within "
                      << std::chrono::duration_cast<std::chrono::seconds>(timeout).count() << " s:\n"
                      << describe(rows);
    return rows;
  }

  // SIGTERM; raven must stop cleanly.
  void stop_raven() {
    const int status = raven.terminate();
    EXPECT_TRUE(exited_zero(status)) << "raven " << describe_wait_status(status);
  }

  Dovecot dovecot;
  SmtpSink sink;
  LlmStandin llm;
  TempDir dir{"raven-crash"};
  RavenConfig config;
  std::string config_path = dir.file("raven.yaml");
  JournalReader journal{dir.file("journal.db")};
  // Last: killed before the servers it talks to go away.
  RavenDaemon raven{config_path, dir.file("raven.log")};
};

// ---------------------------------------------------------------------------
// One crash point under one answer.on_uncertain policy.

struct CrashCase {
  const char* point;
  const char* on_uncertain;
  // Right after the crash: the journal state, replies in the sink, reply copies in Sent.
  State state_at_crash;
  int replies_at_crash;
  int copies_at_crash;
  // After the restart settled it.
  int replies;
  State final_state;
  const char* reason_prefix;  // for skipped: the reason starts with this
  int copies;                 // reply copies in Sent
};

std::ostream& operator<<(std::ostream& out, const CrashCase& c) {
  return out << c.point << " with on_uncertain " << c.on_uncertain;
}

class CrashPointTest : public CrashTest, public ::testing::WithParamInterface<CrashCase> {};

TEST_P(CrashPointTest, RestartLeavesExactlyTheExpectedReplies) {
  const CrashCase& c = GetParam();
  config.on_uncertain = c.on_uncertain;
  const std::string id = std::string("crash-") + c.point + "-" + c.on_uncertain + "@example.com";
  dovecot.deliver(message(id, "Crash test"));

  // 1. Run until the crash point; raven must die by SIGKILL there.
  start_raven(c.point);
  const auto crashed = raven.wait_exit(kCrashTimeout);
  ASSERT_TRUE(crashed.has_value()) << "raven did not reach " << c.point << " within "
                                   << std::chrono::duration_cast<std::chrono::seconds>(kCrashTimeout).count()
                                   << " s";
  ASSERT_TRUE(killed_by_sigkill(*crashed))
      << "raven " << describe_wait_status(*crashed) << ", not by SIGKILL at the crash point";

  // 2. The crash happened where claimed.
  {
    auto rows = journal.rows_for(id);
    ASSERT_TRUE(rows.has_value()) << "no journal after the crash";
    ASSERT_EQ(rows->size(), 1u) << describe(*rows);
    EXPECT_EQ(rows->front().state, c.state_at_crash) << describe(*rows);
    EXPECT_EQ(replies_by_original(sink)[id], c.replies_at_crash) << "replies in the sink at the crash";
    const MailboxSnapshot inbox = read_mailbox(config.imap, "INBOX");
    ASSERT_EQ(inbox.with_id(id).size(), 1u);
    EXPECT_FALSE(inbox.with_id(id).front().has_flag("\\Seen")) << "flagged before the crash point";
    const MailboxSnapshot sent = read_mailbox(config.imap, "Sent");
    EXPECT_EQ(sent.replying_to(id).size(), static_cast<std::size_t>(c.copies_at_crash))
        << "copies in Sent at the crash";
  }

  // 3. Restart without the hook; wait for a terminal state; stop.
  start_raven();
  const auto rows = wait_terminal(id);
  stop_raven();
  ASSERT_EQ(rows.size(), 1u) << describe(rows);
  const store::Record& row = rows.front();

  // 4. Judge by what the world saw.
  const auto replies = sent_replies(sink);
  EXPECT_EQ(replies_by_original(sink)[id], c.replies) << "replies to <" << id << ">";
  EXPECT_EQ(replies.size(), static_cast<std::size_t>(c.replies)) << "replies in the sink in all";
  for (const auto& r : replies) {
    // The reply's Message-ID is derived from the original's: a resend carries the same one.
    EXPECT_EQ(r.message_id, bare_message_id(row.reply_message_id.value_or(""))) << describe(row);
  }
  EXPECT_EQ(row.state, c.final_state) << describe(row);
  if (c.final_state == State::skipped) {
    EXPECT_TRUE(starts_with(row.reason, c.reason_prefix)) << describe(row);
  }

  const MailboxSnapshot inbox = read_mailbox(config.imap, "INBOX");
  ASSERT_EQ(inbox.with_id(id).size(), 1u);
  const MailboxMessage original = inbox.with_id(id).front();
  EXPECT_TRUE(original.has_flag("\\Seen")) << join_flags(original.flags);
  if (c.final_state == State::done) {
    EXPECT_TRUE(original.has_flag("\\Answered")) << join_flags(original.flags);
  } else {
    EXPECT_TRUE(original.has_flag("$RavenSkipped")) << join_flags(original.flags);
    EXPECT_FALSE(original.has_flag("\\Answered")) << join_flags(original.flags);
  }
  const MailboxSnapshot sent = read_mailbox(config.imap, "Sent");
  EXPECT_EQ(sent.replying_to(id).size(), static_cast<std::size_t>(c.copies)) << "reply copies in Sent";
}

INSTANTIATE_TEST_SUITE_P(
    Points, CrashPointTest,
    ::testing::Values(
        // Journal says sending, SMTP not started: nobody can know that, so skip sends nothing...
        CrashCase{"after_sending_recorded", "skip", State::sending, 0, 0, 0, State::skipped, "uncertain", 0},
        // ...and resend sends the one reply.
        CrashCase{"after_sending_recorded", "resend", State::sending, 0, 0, 1, State::done, "", 1},
        // The server took it, no copy yet: skip sends no second one.
        CrashCase{"after_smtp_accepted", "skip", State::sending, 1, 0, 1, State::skipped, "uncertain", 0},
        // resend accepts the risk it is named for: a second copy, with the same Message-ID.
        CrashCase{"after_smtp_accepted", "resend", State::sending, 1, 0, 2, State::done, "", 1},
        // The copy in Sent settles it under either policy.
        CrashCase{"after_sent_copy", "skip", State::sending, 1, 1, 1, State::done, "", 1},
        CrashCase{"after_sent_copy", "resend", State::sending, 1, 1, 1, State::done, "", 1},
        // Journal says sent: flags only.
        CrashCase{"after_sent_recorded", "skip", State::sent, 1, 1, 1, State::done, "", 1}),
    [](const ::testing::TestParamInfo<CrashCase>& param_info) {
      return std::string(param_info.param.point) + "_" + param_info.param.on_uncertain;
    });

// A kill after the flags were stored but before `done` was recorded leaves
// the journal at `sent` while the original is already \Seen \Answered (the
// chaos test met it). There is no crash point there, so the test makes that
// state itself: raven dies at after_sent_recorded (journal sent, no flags
// yet), then the test stores the flags the dead raven would have stored. The
// restarted raven must still finish the row: intake's UNSEEN search no longer
// finds the message, so only the journal knows it is unfinished, and `raven
// status` would otherwise show it in flight forever. Intake dispatches the
// journal's unfinished (sending/sent) rows after connecting for this.
TEST_F(CrashTest, KilledBetweenFlagsAndDoneStillEndsDone) {
  const std::string id = "flagged-not-done@example.com";
  dovecot.deliver(message(id, "Crash after the flags"));
  start_raven("after_sent_recorded");
  const auto crashed = raven.wait_exit(kCrashTimeout);
  ASSERT_TRUE(crashed.has_value() && killed_by_sigkill(*crashed))
      << "raven did not die at after_sent_recorded";
  {
    auto rows = journal.rows_for(id);
    ASSERT_TRUE(rows.has_value() && rows->size() == 1 && rows->front().state == State::sent)
        << describe(rows.value_or(std::vector<store::Record>{}));
    imap::Session session = imap::Session::connect(config.imap);
    session.select("INBOX");
    const MailboxSnapshot inbox = read_mailbox(config.imap, "INBOX");
    ASSERT_EQ(inbox.with_id(id).size(), 1u);
    session.uid_store_add_flags({inbox.with_id(id).front().uid}, {"\\Seen", "\\Answered"});
    session.logout();
  }

  start_raven();
  const auto rows = wait_terminal(id, 1, 30s);
  stop_raven();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.front().state, State::done) << describe(rows.front());
  EXPECT_EQ(replies_by_original(sink)[id], 1);
}

// ---------------------------------------------------------------------------
// Re-deliveries.

// The same mail (one Message-ID) delivered twice before Raven starts, so two
// workers may race for it, and a third time after it was answered.
TEST_F(CrashTest, SameMessageDeliveredThreeTimesGetsOneReply) {
  const std::string id = "twice@example.com";
  const std::string text = message(id, "Delivered more than once");
  dovecot.deliver(text);
  dovecot.deliver(text);
  start_raven();
  wait_terminal(id, 2);
  dovecot.deliver(text);
  const auto rows = wait_terminal(id, 3);
  stop_raven();

  EXPECT_EQ(replies_by_original(sink)[id], 1) << "replies to <" << id << ">";
  EXPECT_EQ(sink.message_count(), 1u);
  ASSERT_EQ(rows.size(), 3u) << describe(rows);
  int done = 0;
  for (const auto& r : rows) {
    if (r.state == State::done) {
      ++done;
    } else {
      EXPECT_EQ(r.state, State::skipped) << describe(r);
      EXPECT_TRUE(starts_with(r.reason, "duplicate")) << describe(r);
    }
  }
  EXPECT_EQ(done, 1) << describe(rows);

  const MailboxSnapshot inbox = read_mailbox(config.imap, "INBOX");
  const auto copies = inbox.with_id(id);
  ASSERT_EQ(copies.size(), 3u);
  for (const auto& m : copies)
    EXPECT_TRUE(m.has_flag("\\Seen")) << "uid " << m.uid << " " << join_flags(m.flags);
  // The third copy came after the reply was sent: it is marked answered.
  EXPECT_TRUE(copies.back().has_flag("\\Answered")) << join_flags(copies.back().flags);
  EXPECT_EQ(read_mailbox(config.imap, "Sent").replying_to(id).size(), 1u);
}

// Empties INBOX so that Dovecot gives it a new UIDVALIDITY, as when an
// operator recreates or restores a mailbox. How, and why this way: IMAP cannot
// DELETE INBOX (RFC 3501 §6.3.4 forbids it), so Dovecot is stopped and the
// INBOX of its Maildir (mail_location = maildir:~/Maildir; INBOX is the root
// of the Maildir, other mailboxes are ".Name" folders beside it) loses its
// messages (cur/, new/, tmp/), its UID list (dovecot-uidlist, which holds
// UIDVALIDITY) and its indexes (dovecot.index*, and the mailbox list index
// dovecot.list.index*, which caches UIDVALIDITY). On start Dovecot creates a
// fresh uidlist with a new UIDVALIDITY, taken from dovecot-uidvalidity in the
// Maildir root, which is kept: Dovecot increments it for each new mailbox, so
// the new value differs from the old even within the same second. Sent
// (.Sent) is untouched. The caller checks that UIDVALIDITY did change.
void recreate_inbox(Dovecot& dovecot) {
  namespace fs = std::filesystem;
  dovecot.stop();
  const fs::path maildir = fs::path(dovecot.dir()) / "mail" / "raven" / "Maildir";
  for (const char* sub : {"cur", "new", "tmp"}) {
    for (const auto& entry : fs::directory_iterator(maildir / sub)) fs::remove(entry.path());
  }
  for (const auto& entry : fs::directory_iterator(maildir)) {
    const std::string name = entry.path().filename().string();
    if (name == "dovecot-uidlist" || name.starts_with("dovecot.index") ||
        name.starts_with("dovecot.list.index")) {
      fs::remove(entry.path());
    }
  }
  dovecot.start();
}

// Raven keeps running through the change: it must notice the new
// UIDVALIDITY, and find by Message-ID that every mail was answered already.
TEST_F(CrashTest, UidvalidityChangeAnswersNothingAgain) {
  const std::vector<std::string> ids = {"uv-1@example.com", "uv-2@example.com", "uv-3@example.com"};
  std::vector<std::string> texts;
  for (const auto& id : ids) texts.push_back(message(id, "Before the mailbox was recreated"));
  for (const auto& text : texts) dovecot.deliver(text);
  start_raven();
  for (const auto& id : ids) wait_terminal(id);
  ASSERT_EQ(sink.message_count(), ids.size());
  const std::uint32_t before = read_mailbox(config.imap, "INBOX").uidvalidity;

  recreate_inbox(dovecot);
  const MailboxSnapshot empty = read_mailbox(config.imap, "INBOX");
  ASSERT_NE(empty.uidvalidity, before) << "the test did not change UIDVALIDITY";
  ASSERT_TRUE(empty.messages.empty());
  const std::uint32_t after = empty.uidvalidity;

  for (const auto& text : texts) dovecot.deliver(text);
  for (const auto& id : ids) {
    std::vector<store::Record> rows;
    const bool settled = wait_until(
        [&] {
          auto found = journal.rows_for(id);
          if (!found) return false;
          rows = *found;
          const bool seen_again = std::any_of(
              rows.begin(), rows.end(), [&](const store::Record& r) { return r.key.uidvalidity == after; });
          return seen_again && all_terminal(rows);
        },
        kSettleTimeout);
    EXPECT_TRUE(settled) << "<" << id << "> not settled under the new UIDVALIDITY " << after << ":\n"
                         << describe(rows);
  }
  stop_raven();

  const auto counts = replies_by_original(sink);
  EXPECT_EQ(sink.message_count(), ids.size()) << "a re-delivered mail was answered again";
  const MailboxSnapshot inbox = read_mailbox(config.imap, "INBOX");
  EXPECT_EQ(inbox.uidvalidity, after);
  for (const auto& id : ids) {
    EXPECT_EQ(counts.count(id) ? counts.at(id) : 0, 1) << "replies to <" << id << ">";
    auto rows = journal.rows_for(id);
    ASSERT_TRUE(rows.has_value());
    ASSERT_EQ(rows->size(), 2u) << describe(*rows);
    for (const auto& r : *rows) {
      if (r.key.uidvalidity == before) {
        EXPECT_EQ(r.state, State::done) << describe(r);
      } else {
        EXPECT_EQ(r.key.uidvalidity, after) << describe(r);
        EXPECT_EQ(r.state, State::skipped) << describe(r);
        EXPECT_TRUE(starts_with(r.reason, "duplicate")) << describe(r);
      }
    }
    const auto copies = inbox.with_id(id);
    ASSERT_EQ(copies.size(), 1u);
    EXPECT_TRUE(copies.front().has_flag("\\Seen")) << join_flags(copies.front().flags);
    EXPECT_TRUE(copies.front().has_flag("\\Answered")) << join_flags(copies.front().flags);
  }
}

}  // namespace
}  // namespace raven::testing
