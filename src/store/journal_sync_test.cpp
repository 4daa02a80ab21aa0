// The journal's cost and durability contract: which commits fsync the WAL
// (counted, not timed), statements reused and reset after each use, and one
// Journal shared by several threads.
//
// The fsyncs are counted by wrapping fdatasync() and fsync() in this test
// binary: SQLite, a shared library, calls libc's functions by name, so the
// dynamic linker binds its calls to the definitions below, which count and
// call libc's. (`strace -f -e trace=fdatasync,fsync` shows the same calls.)
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "store/journal.hpp"
#include "store/journal_test_support.hpp"

namespace {
std::atomic<int> g_syncs{0};

using SyncFn = int (*)(int);
SyncFn next_sync(const char* name) {
  void* fn = ::dlsym(RTLD_NEXT, name);
  if (fn == nullptr) std::abort();
  return reinterpret_cast<SyncFn>(fn);
}
}  // namespace

extern "C" int fdatasync(int fd) {
  static const SyncFn real = next_sync("fdatasync");
  g_syncs.fetch_add(1);
  return real(fd);
}

extern "C" int fsync(int fd) {
  static const SyncFn real = next_sync("fsync");
  g_syncs.fetch_add(1);
  return real(fd);
}

namespace raven::store {
namespace {

class JournalSyncTest : public JournalFixture {
 protected:
  // The fsyncs `step` made.
  template <typename F>
  int syncs_of(F&& step) {
    const int before = g_syncs.load();
    step();
    return g_syncs.load() - before;
  }
};

const Key kKey{"INBOX", 7, 42};

// The worker's happy path: only the claim (sending) and the record that the
// reply is out (sent) wait for the disk.
TEST_F(JournalSyncTest, OnlyTheCommitsTheProtocolReliesOnAreSynced) {
  Journal j(config_, clock());
  EXPECT_EQ(syncs_of([&] { EXPECT_FALSE(j.get(kKey)); }), 0);
  EXPECT_EQ(syncs_of([&] { j.record_seen(kKey, "<a@x>"); }), 0) << "seen";
  EXPECT_EQ(syncs_of([&] { j.find_by_message_id("<a@x>"); }), 0);
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.transition(kKey, {State::seen}, State::answering)); }), 0)
      << "answering";
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.set_reply_message_id(kKey, "<r@x>")); }), 0);
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.begin_sending(kKey, {State::answering}, "<r@x>").claimed); }), 1)
      << "begin_sending must be on disk before the reply leaves";
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.set_origin(kKey, "a@x", "<a@x>")); }), 0);
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.add_tokens(kKey, 10)); }), 0);
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.transition(kKey, {State::sending}, State::sent)); }), 1) << "sent";
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.transition(kKey, {State::sent}, State::done)); }), 0) << "done";
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.claim_notice("a@x", 1)); }), 1) << "the notice is sent next";
  EXPECT_EQ(syncs_of([&] { j.usage("a@x", "<a@x>", 0); }), 0);
}

TEST_F(JournalSyncTest, EveryWayIntoOrOutOfSendingIsSynced) {
  Journal j(config_, clock());
  const Key a{"INBOX", 1, 1}, b{"INBOX", 1, 2}, c{"INBOX", 1, 3}, d{"INBOX", 1, 4};
  for (const Key& k : {a, b, c, d}) j.record_seen(k, "<" + std::to_string(k.uid) + "@x>");
  // A resend that reuses a stored answer.
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.transition(a, {State::seen}, State::sending)); }), 1);
  // SMTP 4xx: certainly not sent, to be retried.
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.transition(a, {State::sending}, State::seen)); }), 1);
  ASSERT_TRUE(j.begin_sending(b, {State::seen}, "<rb@x>").claimed);
  EXPECT_GE(syncs_of([&] {
              ASSERT_TRUE(j.transition(b, {State::sending}, State::skipped, {.reason = "uncertain: test"}));
            }),
            1);
  // fail() names sending among the sources whatever the row's state.
  EXPECT_GE(syncs_of([&] {
              ASSERT_TRUE(j.transition(c, {State::seen, State::answering, State::sending}, State::failed));
            }),
            1);
  // Not synced: a skip before anything was sent (safe to lose: journal.cpp).
  EXPECT_EQ(
      syncs_of([&] { ASSERT_TRUE(j.transition(d, {State::seen}, State::skipped, {.reason = "policy"})); }),
      0);
  EXPECT_EQ(syncs_of([&] { j.record_failure(d, ErrorKind::transient, "llm 503", 5); }), 0);
}

// A synced commit that fails (the lock is held elsewhere) leaves the
// connection as it was: the next ordinary commit is not synced, the next
// claim is, and the statements that failed work again.
TEST_F(JournalSyncTest, AFailedSyncedCommitLeavesNothingBehind) {
  config_.busy_timeout = std::chrono::milliseconds(0);
  Journal j(config_, clock());
  j.record_seen(kKey, "<a@x>");
  ASSERT_TRUE(j.transition(kKey, {State::seen}, State::answering));

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(config_.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  try {
    j.begin_sending(kKey, {State::answering}, "<r@x>");
    ADD_FAILURE() << "claimed while another connection held the write lock";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  }
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  EXPECT_EQ(j.get(kKey)->state, State::answering);
  EXPECT_EQ(syncs_of([&] { ASSERT_TRUE(j.set_origin(kKey, "a@x", "<t@x>")); }), 0);
  EXPECT_GE(syncs_of([&] { ASSERT_TRUE(j.begin_sending(kKey, {State::answering}, "<r@x>").claimed); }), 1);
  EXPECT_EQ(j.get(kKey)->state, State::sending);
}

// A cached statement is reset when its call returns: a SELECT stepped to its
// first row only (get) would otherwise keep a read transaction open, pin the
// WAL and stop a checkpoint from emptying it.
TEST_F(JournalSyncTest, StatementsHoldNoReadTransactionBetweenCalls) {
  Journal j(config_, clock());
  for (std::uint32_t uid = 1; uid <= 3; ++uid) j.record_seen(Key{"INBOX", 1, uid}, "<same@x>");
  ASSERT_EQ(j.find_by_message_id("<same@x>").size(), 3U);
  ASSERT_TRUE(j.get(Key{"INBOX", 1, 1}));  // stepped to its row, not to the end
  EXPECT_EQ(raw_int("PRAGMA wal_checkpoint(TRUNCATE)"), 0) << "busy: a statement still reads";
  // And the statements still work after the checkpoint.
  EXPECT_EQ(j.find_by_message_id("<same@x>").size(), 3U);
  EXPECT_EQ(j.counts_by_state()[State::seen], 3);
}

// Several workers share one Journal: each call has the connection (and its
// cached statements) to itself.
TEST_F(JournalSyncTest, WorkersShareOneJournal) {
  Journal j(config_, clock());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const Key k{"INBOX", 1, static_cast<std::uint32_t>(t * kPerThread + i + 1)};
          const std::string id = "<" + std::to_string(k.uid) + "@x>";
          bool ok = !j.get(k) && j.record_seen(k, id).inserted && j.find_by_message_id(id).size() == 1 &&
                    j.transition(k, {State::seen}, State::answering) &&
                    j.begin_sending(k, {State::answering}, "<r" + id + ">").claimed &&
                    j.set_origin(k, "a@x", id) && j.add_tokens(k, 1) &&
                    j.transition(k, {State::sending}, State::sent) &&
                    j.transition(k, {State::sent}, State::done);
          if (!ok) ++failures;
        }
      });
    }
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(j.counts_by_state()[State::done], kThreads * kPerThread);
  EXPECT_EQ(j.usage("a@x", "", 0).tokens, kThreads * kPerThread);
}

}  // namespace
}  // namespace raven::store
