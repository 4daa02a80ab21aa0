#include "store/journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "store/journal_test_support.hpp"

namespace raven::store {
namespace {

namespace fs = std::filesystem;

class JournalTest : public JournalFixture {};

const Key kKey{"INBOX", 7, 42};

TEST(StoreConfig, Validate) {
  Config c;
  ASSERT_EQ(c.validate().size(), 1U);
  EXPECT_EQ(c.validate()[0].field, "path");
  c.path = "/x/journal.db";
  EXPECT_TRUE(c.validate().empty());
  c.busy_timeout = std::chrono::milliseconds(-1);
  ASSERT_EQ(c.validate().size(), 1U);
  EXPECT_EQ(c.validate()[0].field, "busy_timeout");
}

// The environment is process-wide; this test runs with no other thread alive.
// NOLINTBEGIN(concurrency-mt-unsafe)
TEST(StoreConfig, DefaultStatePath) {
  const char* old_xdg = std::getenv("XDG_STATE_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved_xdg = old_xdg != nullptr ? old_xdg : "";
  const std::string saved_home = old_home != nullptr ? old_home : "";
  setenv("XDG_STATE_HOME", "/st", 1);
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(default_state_path(), "/st/raven/journal.db");
  setenv("XDG_STATE_HOME", "relative", 1);  // ignored per the XDG spec
  EXPECT_EQ(default_state_path(), "/home/u/.local/state/raven/journal.db");
  unsetenv("XDG_STATE_HOME");
  EXPECT_EQ(default_state_path(), "/home/u/.local/state/raven/journal.db");
  unsetenv("HOME");
  EXPECT_EQ(default_state_path(), "");
  if (old_xdg != nullptr) {
    setenv("XDG_STATE_HOME", saved_xdg.c_str(), 1);
  }
  if (old_home != nullptr) {
    setenv("HOME", saved_home.c_str(), 1);
  }
}
// NOLINTEND(concurrency-mt-unsafe)

TEST(StoreState, LegalTransitions) {
  EXPECT_TRUE(is_legal_transition(State::seen, State::answering));
  EXPECT_TRUE(is_legal_transition(State::sending, State::sent));
  EXPECT_TRUE(is_legal_transition(State::sent, State::done));
  EXPECT_FALSE(is_legal_transition(State::sent, State::sending));
  EXPECT_FALSE(is_legal_transition(State::done, State::seen));
  for (State s : kAllStates) {
    EXPECT_EQ(parse_state(to_string(s)), s);
  }
  EXPECT_FALSE(parse_state("bogus"));
}

TEST_F(JournalTest, OpenCreatesFileAndSchema) {
  Journal j(config_, clock());
  EXPECT_TRUE(fs::exists(config_.path));
  EXPECT_EQ(raw_int("PRAGMA user_version"), Journal::schema_version());
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages'"), 1);
}

TEST_F(JournalTest, WalModeIsOn) {
  Journal j(config_, clock());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(config_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(JournalTest, ReopenKeepsDataAndMigrationsAreIdempotent) {
  {
    Journal j(config_, clock());
    auto r = j.record_seen(kKey, "<a@x>");
    EXPECT_TRUE(r.inserted);
    EXPECT_TRUE(j.transition(kKey, {State::seen}, State::answering));
  }
  for (int i = 0; i < 3; ++i) {
    Journal j(config_, clock());
    auto r = j.get(kKey);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, State::answering);
    EXPECT_EQ(r->message_id, "<a@x>");
  }
  EXPECT_EQ(raw_int("PRAGMA user_version"), Journal::schema_version());
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                    "AND name LIKE 'messages_by_%'"),
            8);
}

TEST_F(JournalTest, NewerSchemaIsRefused) {
  { Journal j(config_, clock()); }
  raw_exec("PRAGMA user_version = 99");
  try {
    Journal j(config_, clock());
    FAIL() << "opened a newer schema";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos);
  }
}

TEST_F(JournalTest, NotADatabaseIsFatal) {
  fs::create_directories(fs::path(config_.path).parent_path());
  std::ofstream(config_.path) << "this is not a database, not at all, just some text here....";
  try {
    Journal j(config_, clock());
    FAIL() << "opened garbage";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
  }
}

TEST_F(JournalTest, RecordSeenIsInsertOrGet) {
  Journal j(config_, clock());
  auto first = j.record_seen(kKey, "<a@x>");
  EXPECT_TRUE(first.inserted);
  EXPECT_EQ(first.record.state, State::seen);
  EXPECT_EQ(first.record.created_ms, now_.load());
  EXPECT_EQ(first.record.attempts, 0);
  ASSERT_TRUE(j.transition(kKey, {State::seen}, State::answering));
  now_ += 1000;
  auto again = j.record_seen(kKey, "<other@x>");
  EXPECT_FALSE(again.inserted);
  EXPECT_EQ(again.record.state, State::answering);
  EXPECT_EQ(again.record.message_id, "<a@x>");
  EXPECT_FALSE(j.get(Key{"INBOX", 7, 43}));
}

TEST_F(JournalTest, StateMachineHappyPathAndRefusals) {
  Journal j(config_, clock());
  j.record_seen(kKey, "<a@x>");
  EXPECT_TRUE(j.transition(kKey, {State::seen}, State::answering));
  // Raced: someone else already moved it; the state is no longer seen.
  EXPECT_FALSE(j.transition(kKey, {State::seen}, State::answering));
  now_ += 5;
  Fields f;
  f.reply_message_id = "<reply-a@x>";
  EXPECT_TRUE(j.transition(kKey, {State::answering}, State::sending, f));
  EXPECT_FALSE(j.transition(kKey, {State::seen, State::answering}, State::sending));
  EXPECT_TRUE(j.transition(kKey, {State::sending}, State::sent));
  // Illegal edges are programming errors and change nothing.
  EXPECT_THROW(j.transition(kKey, {State::sent}, State::sending), std::invalid_argument);
  EXPECT_THROW(j.transition(kKey, {}, State::sending), std::invalid_argument);
  EXPECT_TRUE(j.transition(kKey, {State::sent}, State::done));
  auto r = j.get(kKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, State::done);
  EXPECT_EQ(r->reply_message_id, "<reply-a@x>");
  EXPECT_EQ(r->updated_ms, now_.load());
  EXPECT_GT(r->updated_ms, r->created_ms);
  // Missing row.
  EXPECT_FALSE(j.transition(Key{"INBOX", 7, 99}, {State::seen}, State::answering));
}

TEST_F(JournalTest, UnfinishedListsRepliesCommittedToInThisMailboxOnly) {
  Journal j(config_, clock());
  const Key seen{"INBOX", 7, 10}, sending{"INBOX", 7, 12}, sent{"INBOX", 7, 11}, done{"INBOX", 7, 13};
  const Key other_validity{"INBOX", 8, 14}, other_box{"Support", 7, 15};
  for (const Key& k : {seen, sending, sent, done, other_validity, other_box}) {
    j.record_seen(k, "<" + std::to_string(k.uid) + "@x>");
  }
  for (const Key& k : {sending, sent, done, other_validity, other_box}) {
    ASSERT_TRUE(j.transition(k, {State::seen}, State::answering));
    ASSERT_TRUE(j.begin_sending(k, {State::answering}, "<r" + std::to_string(k.uid) + "@x>").claimed);
  }
  for (const Key& k : {sent, done, other_validity, other_box}) ASSERT_TRUE(j.transition(k, {State::sending}, State::sent));
  ASSERT_TRUE(j.transition(done, {State::sent}, State::done));
  auto rows = j.unfinished("INBOX", 7);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].key, sent);  // by UID
  EXPECT_EQ(rows[0].state, State::sent);
  EXPECT_EQ(rows[1].key, sending);
  EXPECT_TRUE(j.unfinished("INBOX", 9).empty());
}

TEST_F(JournalTest, ReplySentAtFindsOurOwnRepliesOnly) {
  Journal j(config_, clock());
  j.record_seen(kKey, "<a@x>");
  ASSERT_TRUE(j.transition(kKey, {State::seen}, State::answering));
  EXPECT_FALSE(j.reply_sent_at("<reply-a@raven>"));
  ASSERT_TRUE(j.set_reply_message_id(kKey, "<reply-a@raven>"));
  EXPECT_FALSE(j.reply_sent_at("<reply-a@raven>"));  // derived, but nothing was sent yet
  const std::int64_t at = now_.load();
  ASSERT_TRUE(j.begin_sending(kKey, {State::answering}, "<reply-a@raven>").claimed);
  now_ += 5000;
  ASSERT_TRUE(j.transition(kKey, {State::sending}, State::sent));
  EXPECT_EQ(j.reply_sent_at("<reply-a@raven>"), at);
  EXPECT_FALSE(j.reply_sent_at("<a@x>"));
  EXPECT_FALSE(j.reply_sent_at(""));
}

TEST_F(JournalTest, SkipWithReasonAndFieldsKeepUnsetColumns) {
  Journal j(config_, clock());
  j.record_seen(kKey, "<a@x>");
  ASSERT_TRUE(j.set_reply_message_id(kKey, "<r@x>"));
  Fields f;
  f.reason = "auto-submitted";
  ASSERT_TRUE(j.transition(kKey, {State::seen}, State::skipped, f));
  auto r = j.get(kKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "auto-submitted");
  EXPECT_EQ(r->reply_message_id, "<r@x>");
  EXPECT_FALSE(j.set_reply_message_id(Key{"INBOX", 1, 1}, "<r@x>"));
}

TEST_F(JournalTest, FindByMessageIdAcrossUidvalidity) {
  Journal j(config_, clock());
  j.record_seen(Key{"INBOX", 1, 10}, "<same@x>");
  ASSERT_TRUE(j.transition(Key{"INBOX", 1, 10}, {State::seen}, State::sending));
  now_ += 1;
  j.record_seen(Key{"INBOX", 2, 3}, "<same@x>");  // mailbox recreated
  j.record_seen(Key{"INBOX", 2, 4}, "<other@x>");
  auto rows = j.find_by_message_id("<same@x>");
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].key, (Key{"INBOX", 1, 10}));
  EXPECT_EQ(rows[0].state, State::sending);
  EXPECT_EQ(rows[1].key, (Key{"INBOX", 2, 3}));
  EXPECT_TRUE(j.find_by_message_id("<none@x>").empty());
  j.record_seen(Key{"INBOX", 2, 5}, "");
  EXPECT_TRUE(j.find_by_message_id("").empty());
}

TEST_F(JournalTest, FailuresAndRetries) {
  Journal j(config_, clock());
  const std::int64_t t0 = now_.load();
  const Key a{"INBOX", 1, 1};
  const Key b{"INBOX", 1, 2};
  const Key c{"INBOX", 1, 3};
  const Key d{"INBOX", 1, 4};
  for (const Key& k : {a, b, c, d}) {
    j.record_seen(k, "<" + std::to_string(k.uid) + "@x>");
  }

  ASSERT_TRUE(j.record_failure(a, ErrorKind::transient, "llm 503", t0 + 3000));
  now_ += 1;
  ASSERT_TRUE(j.record_failure(b, ErrorKind::transient, "timeout", t0 + 1000));
  now_ += 1;
  ASSERT_TRUE(j.record_failure(b, ErrorKind::transient, "timeout again", t0 + 2000));
  now_ += 1;
  ASSERT_TRUE(j.record_failure(c, ErrorKind::permanent, "smtp 550", std::nullopt));
  ASSERT_TRUE(j.transition(c, {State::seen}, State::failed));
  // d has a next attempt but is being sent: not a retry candidate.
  ASSERT_TRUE(j.record_failure(d, ErrorKind::transient, "x", t0 + 10));
  ASSERT_TRUE(j.transition(d, {State::seen}, State::sending));
  EXPECT_FALSE(j.record_failure(Key{"X", 1, 1}, ErrorKind::transient, "x", std::nullopt));

  auto rb = j.get(b);
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->attempts, 2);
  EXPECT_EQ(rb->last_error, "timeout again");
  EXPECT_EQ(rb->last_error_kind, ErrorKind::transient);
  EXPECT_EQ(rb->next_attempt_ms, t0 + 2000);

  EXPECT_TRUE(j.due_retries(t0 + 1999).empty());
  auto due = j.due_retries(t0 + 5000);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].key, b);  // earliest next attempt first
  EXPECT_EQ(due[1].key, a);
  ASSERT_EQ(j.due_retries(t0 + 2000).size(), 1U);

  auto waiting = j.waiting_retries();
  ASSERT_EQ(waiting.size(), 2U);
  EXPECT_EQ(waiting[0].key, b);
  EXPECT_EQ(waiting[0].last_error, "timeout again");

  // Picked up again: clearing next_attempt takes it out of the retry lists.
  Fields clear;
  clear.clear_next_attempt = true;
  ASSERT_TRUE(j.transition(b, {State::seen}, State::answering, clear));
  EXPECT_EQ(j.waiting_retries().size(), 1U);

  auto failures = j.last_failures(2);
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0].key, d);  // same ms as c, later row wins the tie
  EXPECT_EQ(failures[1].key, c);
  EXPECT_EQ(failures[1].last_error_kind, ErrorKind::permanent);
  EXPECT_EQ(j.last_failures(10).size(), 4U);
  EXPECT_TRUE(j.last_failures(0).empty());
}

TEST_F(JournalTest, CountsByState) {
  Journal j(config_, clock());
  auto counts = j.counts_by_state();
  EXPECT_EQ(counts.size(), kAllStates.size());
  for (auto& [state, n] : counts) {
    EXPECT_EQ(n, 0) << to_string(state);
  }
  for (std::uint32_t uid = 1; uid <= 5; ++uid) {
    j.record_seen(Key{"INBOX", 1, uid}, "<m@x>");
  }
  ASSERT_TRUE(j.transition(Key{"INBOX", 1, 1}, {State::seen}, State::skipped));
  ASSERT_TRUE(j.transition(Key{"INBOX", 1, 2}, {State::seen}, State::sending));
  ASSERT_TRUE(j.transition(Key{"INBOX", 1, 3}, {State::seen}, State::sending));
  counts = j.counts_by_state();
  EXPECT_EQ(counts[State::seen], 2);
  EXPECT_EQ(counts[State::sending], 2);
  EXPECT_EQ(counts[State::skipped], 1);
  EXPECT_EQ(counts[State::done], 0);
}

// Two "instances" (two connections to one file) race seen -> sending from two
// threads; exactly one may win each round.
TEST_F(JournalTest, TwoInstancesRaceExactlyOneWins) {
  Journal a(config_, clock());
  Journal b(config_, clock());
  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; ++round) {
    Key key{"INBOX", 1, static_cast<std::uint32_t>(round + 1)};
    a.record_seen(key, "<race@x>");
    std::barrier start(2);
    std::atomic<int> wins{0};
    auto racer = [&](Journal& j) {
      start.arrive_and_wait();
      if (j.transition(key, {State::seen, State::answering}, State::sending)) {
        ++wins;
      }
    };
    std::thread ta(racer, std::ref(a));
    std::thread tb(racer, std::ref(b));
    ta.join();
    tb.join();
    ASSERT_EQ(wins.load(), 1) << "round " << round;
    ASSERT_EQ(b.get(key)->state, State::sending);
  }
  EXPECT_EQ(a.counts_by_state()[State::sending], kRounds);
}

// A process that records `sending` and dies without closing the database
// (as in a crash during SMTP) leaves `sending` for the next start to find.
TEST_F(JournalTest, CrashAfterSendingIsRemembered) {
  { Journal j(config_, clock()); }  // create before forking; no handle crosses fork
  pid_t pid = fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    try {
      Journal j(config_, clock());
      j.record_seen(kKey, "<crash@x>");
      // _exit with the connection still open: no destructor, no atexit
      // handler, no sqlite3_close, no WAL checkpoint.
      _exit(j.transition(kKey, {State::seen}, State::sending) ? 1 : 2);
    } catch (...) {
      _exit(3);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 1);
  Journal j(config_, clock());
  auto r = j.get(kKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, State::sending);
  EXPECT_EQ(r->message_id, "<crash@x>");
}


TEST_F(JournalTest, RecordFailureReturnsTheAttemptsSoFar) {
  Journal j(config_, clock());
  const Key k{"INBOX", 1, 7};
  j.record_seen(k, "<7@x>");
  EXPECT_EQ(j.record_failure(k, ErrorKind::transient, "a", std::nullopt), 1);
  EXPECT_EQ(j.record_failure(k, ErrorKind::transient, "b", std::nullopt), 2);
  EXPECT_EQ(j.record_failure(Key{"INBOX", 1, 8}, ErrorKind::transient, "c", std::nullopt), std::nullopt);
}

TEST_F(JournalTest, BeginSendingClaimsOnceAndStoresTheReplyId) {
  Journal j(config_, clock());
  const Key k{"INBOX", 1, 1};
  j.record_seen(k, "<m@x>");
  ASSERT_TRUE(j.transition(k, {State::seen}, State::answering));
  auto first = j.begin_sending(k, {State::answering}, "<r@raven>");
  EXPECT_TRUE(first.claimed);
  EXPECT_FALSE(first.answered_as);
  EXPECT_EQ(j.get(k)->state, State::sending);
  EXPECT_EQ(j.get(k)->reply_message_id, "<r@raven>");
  // A second claim (another worker, another process) finds it taken.
  auto second = j.begin_sending(k, {State::answering}, "<r@raven>");
  EXPECT_FALSE(second.claimed);
  EXPECT_FALSE(second.answered_as);
  EXPECT_FALSE(j.begin_sending(Key{"INBOX", 1, 99}, {State::answering}, "<r@raven>").claimed);
  EXPECT_THROW(j.begin_sending(k, {State::done}, "<r@raven>"), std::invalid_argument);
}

TEST_F(JournalTest, BeginSendingRefusesAMessageIdAnsweredUnderAnotherKey) {
  Journal j(config_, clock());
  const Key first{"INBOX", 1, 1};
  const Key again{"INBOX", 1, 2};       // delivered twice
  const Key recreated{"INBOX", 9, 1};  // UIDVALIDITY changed
  const Key other{"INBOX", 1, 3};
  j.record_seen(first, "<same@x>");
  j.record_seen(again, "<same@x>");
  j.record_seen(recreated, "<same@x>");
  j.record_seen(other, "<other@x>");
  ASSERT_TRUE(j.begin_sending(first, {State::seen}, "<r@raven>").claimed);

  auto dup = j.begin_sending(again, {State::seen}, "<r@raven>");
  EXPECT_FALSE(dup.claimed);
  ASSERT_TRUE(dup.answered_as);
  EXPECT_EQ(dup.answered_as->key, first);
  EXPECT_EQ(j.get(again)->state, State::seen) << "a refused claim changes nothing";
  EXPECT_TRUE(j.begin_sending(other, {State::seen}, "<o@raven>").claimed);

  // Sent, done, or skipped as uncertain all count as (maybe) answered.
  ASSERT_TRUE(j.transition(first, {State::sending}, State::skipped, {.reason = "uncertain: crash during SMTP"}));
  EXPECT_FALSE(j.begin_sending(recreated, {State::seen}, "<r@raven>").claimed);
  EXPECT_EQ(j.uncertain(10).size(), 1u);
  EXPECT_EQ(j.uncertain(10).front().key, first);
  EXPECT_EQ(j.in_state(State::skipped, 10).size(), 1u);
  EXPECT_EQ(j.in_state(State::sending, 10).size(), 1u);
  EXPECT_TRUE(j.in_state(State::sending, 0).empty());
}

TEST_F(JournalTest, MessagesWithoutMessageIdAreNeverDuplicatesOfEachOther) {
  Journal j(config_, clock());
  const Key a{"INBOX", 1, 1};
  const Key b{"INBOX", 1, 2};
  j.record_seen(a, "");
  j.record_seen(b, "");
  EXPECT_TRUE(j.begin_sending(a, {State::seen}, "").claimed);
  EXPECT_TRUE(j.begin_sending(b, {State::seen}, "").claimed);
}


TEST_F(JournalTest, AVersionOneFileIsUpgradedWithItsRowsKept) {
  // A journal as the first release wrote it: schema 1, one row.
  fs::create_directories(fs::path(config_.path).parent_path());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config_.path.c_str(), &db), SQLITE_OK);
    const std::string v1 =
        std::string(kVersionOneMessagesTable) +
        "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, created_ms, updated_ms)"
        " VALUES ('INBOX', 1, 1, '<old@x>', 'done', 1, 1);"
        "PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  Journal j(config_, clock());
  EXPECT_EQ(raw_int("PRAGMA user_version"), Journal::schema_version());
  auto r = j.get(Key{"INBOX", 1, 1});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, State::done);
  EXPECT_EQ(j.usage("a@x", "<t@x>", 0).replies_total, 0) << "old rows have no sending time";
}

TEST_F(JournalTest, UsageCountsRepliesCommittedToAndTokens) {
  Journal j(config_, clock());
  const std::int64_t t0 = now_.load();
  auto reply = [&](std::uint32_t uid, const std::string& sender, const std::string& thread, std::int64_t tokens) {
    const Key k{"INBOX", 1, uid};
    j.record_seen(k, "<m" + std::to_string(uid) + "@x>");
    ASSERT_TRUE(j.set_origin(k, sender, thread));
    ASSERT_TRUE(j.add_tokens(k, tokens));
    ASSERT_TRUE(j.begin_sending(k, {State::seen}, "<r" + std::to_string(uid) + "@raven>").claimed);
  };
  reply(1, "alice@example.com", "<t1@x>", 100);
  now_ += 1000;
  reply(2, "alice@example.com", "<t1@x>", 50);
  reply(3, "bob@example.com", "<t2@x>", 7);
  // Asked but not (yet) answered: tokens count, replies do not.
  const Key pending{"INBOX", 1, 4};
  j.record_seen(pending, "<m4@x>");
  j.set_origin(pending, "alice@example.com", "<t3@x>");
  j.add_tokens(pending, 1);

  auto u = j.usage("alice@example.com", "<t1@x>", t0);
  EXPECT_EQ(u.replies_by_sender, 2);
  EXPECT_EQ(u.replies_in_thread, 2);
  EXPECT_EQ(u.replies_total, 3);
  EXPECT_EQ(u.tokens, 158);
  // A window that starts after the first reply.
  auto later = j.usage("alice@example.com", "<t1@x>", t0 + 1);
  EXPECT_EQ(later.replies_by_sender, 1);
  EXPECT_EQ(later.replies_in_thread, 2) << "the thread count is over all time";
  EXPECT_EQ(later.replies_total, 2);
  EXPECT_EQ(later.tokens, 58);
  EXPECT_EQ(j.usage("carol@example.com", "", t0).replies_in_thread, 0);
  EXPECT_FALSE(j.set_origin(Key{"INBOX", 1, 99}, "x", "y"));
}

// The happy path's first write: one statement inserts the row in answering
// with its origin, or moves a row from seen; a row anywhere else is left alone.
TEST_F(JournalTest, BeginAnsweringInsertsOrMovesFromSeenOnly) {
  Journal j(config_, clock());
  const std::int64_t t0 = now_.load();
  ASSERT_TRUE(j.begin_answering(kKey, "<a@x>", {"alice@example.com", "<t@x>"}));
  auto row = j.get(kKey);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, State::answering);
  EXPECT_EQ(row->message_id, "<a@x>");
  EXPECT_EQ(row->created_ms, t0);
  EXPECT_FALSE(j.begin_answering(kKey, "<a@x>", {"x@y", ""})) << "answering already";

  const Key retried{"INBOX", 7, 43};
  j.record_seen(retried, "<b@x>", {"bob@example.com", "<u@x>"});
  now_ += 1000;
  ASSERT_TRUE(j.begin_answering(retried, "<other@x>", {"bob@example.com", "<v@x>"}));
  row = j.get(retried);
  EXPECT_EQ(row->state, State::answering);
  EXPECT_EQ(row->message_id, "<b@x>") << "the first Message-ID stays";
  EXPECT_EQ(row->created_ms, t0);
  EXPECT_EQ(row->updated_ms, t0 + 1000);

  const Key done{"INBOX", 7, 44};
  j.record_seen(done, "<c@x>");
  ASSERT_TRUE(j.transition(done, {State::seen}, State::skipped, {.reason = "policy"}));
  EXPECT_FALSE(j.begin_answering(done, "<c@x>", {}));
  EXPECT_EQ(j.get(done)->state, State::skipped);

  // The origin is what the budgets count once a reply is committed to.
  ASSERT_TRUE(j.begin_sending(kKey, {State::answering}, "<r1@raven>").claimed);
  ASSERT_TRUE(j.begin_sending(retried, {State::answering}, "<r2@raven>").claimed);
  EXPECT_EQ(j.usage("alice@example.com", "<t@x>", t0).replies_by_sender, 1);
  EXPECT_EQ(j.usage("alice@example.com", "<t@x>", t0).replies_in_thread, 1);
  EXPECT_EQ(j.usage("bob@example.com", "<v@x>", t0).replies_in_thread, 1) << "the newer thread was stored";
  EXPECT_EQ(j.usage("bob@example.com", "<u@x>", t0).replies_in_thread, 0);
}

// begin_sending adds the conversation's tokens in its own commit, also when
// the claim is refused (the tokens were spent all the same).
TEST_F(JournalTest, BeginSendingAddsTheTokensClaimedOrNot) {
  Journal j(config_, clock());
  const std::int64_t t0 = now_.load();
  const Key first{"INBOX", 1, 1};
  const Key copy{"INBOX", 1, 2};
  ASSERT_TRUE(j.begin_answering(first, "<same@x>", {"alice@example.com", "<t@x>"}));
  ASSERT_TRUE(j.begin_answering(copy, "<same@x>", {"alice@example.com", "<t@x>"}));
  ASSERT_TRUE(j.begin_sending(first, {State::answering}, "<r@raven>", 120).claimed);
  const SendClaim refused = j.begin_sending(copy, {State::answering}, "<r@raven>", 30);
  EXPECT_FALSE(refused.claimed);
  ASSERT_TRUE(refused.answered_as);
  EXPECT_EQ(refused.answered_as->key, first);
  EXPECT_EQ(j.get(copy)->state, State::answering) << "a refused claim changes no state";
  EXPECT_EQ(j.usage("alice@example.com", "<t@x>", t0).tokens, 150);
  EXPECT_FALSE(j.begin_sending(Key{"INBOX", 1, 9}, {State::answering}, "<n@raven>", 5).claimed);
  EXPECT_EQ(j.usage("alice@example.com", "<t@x>", t0).tokens, 150) << "no row, nothing added";
}

TEST_F(JournalTest, BudgetsSurviveARestart) {
  const std::int64_t t0 = now_.load();
  {
    Journal j(config_, clock());
    const Key k{"INBOX", 1, 1};
    j.record_seen(k, "<m@x>");
    j.set_origin(k, "alice@example.com", "<t@x>");
    j.add_tokens(k, 42);
    j.begin_sending(k, {State::seen}, "<r@raven>");
    EXPECT_TRUE(j.claim_notice("alice@example.com", 20000));
  }
  Journal j(config_, clock());
  auto u = j.usage("alice@example.com", "<t@x>", t0);
  EXPECT_EQ(u.replies_by_sender, 1);
  EXPECT_EQ(u.tokens, 42);
  EXPECT_FALSE(j.claim_notice("alice@example.com", 20000)) << "one notice per sender per day";
  EXPECT_TRUE(j.claim_notice("alice@example.com", 20001));
  EXPECT_TRUE(j.claim_notice("bob@example.com", 20000));
}

}  // namespace
}  // namespace raven::store
