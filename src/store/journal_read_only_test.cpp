// Journal::open_read_only (for `raven status`): reads without creating,
// migrating, writing or waiting for the writer.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/journal.hpp"
#include "store/journal_test_support.hpp"

namespace raven::store {
namespace {

namespace fs = std::filesystem;

class JournalReadOnlyTest : public JournalFixture {
 protected:
  // A journal as the first release wrote it: schema 1, one row per state given.
  void write_version_one() {
    fs::create_directories(fs::path(config_.path).parent_path());
    raw_exec(
        std::string(kVersionOneMessagesTable) +
        "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, created_ms, updated_ms)"
        " VALUES ('INBOX', 1, 1, '<old@x>', 'done', 1, 1);"
        "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, reason, created_ms, updated_ms)"
        " VALUES ('INBOX', 1, 2, '<u@x>', 'skipped', 'uncertain: crash', 2, 2);"
        "PRAGMA journal_mode = WAL;"
        "PRAGMA user_version = 1;");
  }

  template <typename F>
  std::string fatal_message(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no raven::Error";
    return {};
  }
};

const Key kKey{"INBOX", 7, 42};

TEST_F(JournalReadOnlyTest, AMissingFileIsAnErrorAndNothingIsCreated) {
  const std::string message = fatal_message([&] { Journal::open_read_only(config_, clock()); });
  EXPECT_NE(message.find(config_.path), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(config_.path));
  EXPECT_FALSE(fs::exists(fs::path(config_.path).parent_path())) << "a directory was created";
}

TEST_F(JournalReadOnlyTest, ReadsWhatTheWriterWroteAndRefusesToWrite) {
  Journal writer(config_, clock());
  writer.record_seen(kKey, "<a@x>");
  ASSERT_TRUE(writer.transition(kKey, {State::seen}, State::answering));

  auto reader = Journal::open_read_only(config_, clock());
  EXPECT_EQ(reader.get(kKey)->state, State::answering);
  EXPECT_EQ(reader.counts_by_state()[State::answering], 1);

  const std::string message =
      fatal_message([&] { reader.transition(kKey, {State::answering}, State::seen); });
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  fatal_message([&] { reader.record_seen(Key{"INBOX", 7, 43}, "<b@x>"); });
  fatal_message([&] { reader.begin_sending(kKey, {State::answering}, "<r@x>"); });
  fatal_message([&] { reader.claim_notice("a@x", 1); });

  // It still reads, and sees what the writer commits later.
  ASSERT_TRUE(writer.transition(kKey, {State::answering}, State::seen));
  EXPECT_EQ(reader.get(kKey)->state, State::seen);
  EXPECT_EQ(writer.get(kKey)->state, State::seen);
}

// WAL: the reader neither waits for a writer's open transaction nor sees it.
TEST_F(JournalReadOnlyTest, DoesNotWaitForTheWriteLock) {
  { Journal writer(config_, clock()); }
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(config_.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(other,
                   "BEGIN IMMEDIATE; INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, "
                   "created_ms, updated_ms) VALUES ('INBOX', 1, 1, '', 'seen', 1, 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  config_.busy_timeout = std::chrono::milliseconds(0);
  {
    auto reader = Journal::open_read_only(config_, clock());
    EXPECT_EQ(reader.counts_by_state()[State::seen], 0);
  }
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto reader = Journal::open_read_only(config_, clock());
  EXPECT_EQ(reader.counts_by_state()[State::seen], 1);
}

TEST_F(JournalReadOnlyTest, AnOlderSchemaIsReadAsItIsAndNotUpgraded) {
  write_version_one();
  {
    auto reader = Journal::open_read_only(config_, clock());
    auto counts = reader.counts_by_state();
    EXPECT_EQ(counts[State::done], 1);
    EXPECT_EQ(counts[State::skipped], 1);
    EXPECT_EQ(reader.uncertain(10).size(), 1U);
    EXPECT_TRUE(reader.waiting_retries().empty());
    EXPECT_TRUE(reader.last_failures(10).empty());
    EXPECT_EQ(reader.get(Key{"INBOX", 1, 1})->message_id, "<old@x>");
    // Budgets need schema 2's columns: a clear error, and reading goes on.
    const std::string message = fatal_message([&] { reader.usage("a@x", "<t@x>", 0); });
    EXPECT_NE(message.find("schema version 1"), std::string::npos) << message;
    EXPECT_NE(message.find("raven run"), std::string::npos) << message;
    EXPECT_EQ(reader.counts_by_state()[State::done], 1);
  }
  EXPECT_EQ(raw_int("PRAGMA user_version"), 1) << "a read-only open migrated the file";
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'notices'"), 0);
  // The writer upgrades it as before.
  Journal writer(config_, clock());
  EXPECT_EQ(raw_int("PRAGMA user_version"), Journal::schema_version());
}

TEST_F(JournalReadOnlyTest, VersionZeroSaysWhichVersionAndWhatToDo) {
  fs::create_directories(fs::path(config_.path).parent_path());
  raw_exec("CREATE TABLE unrelated (x)");
  const std::string message = fatal_message([&] { Journal::open_read_only(config_, clock()); });
  EXPECT_NE(message.find("schema version 0"), std::string::npos) << message;
  EXPECT_NE(message.find("raven run"), std::string::npos) << message;
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages'"), 0);
}

TEST_F(JournalReadOnlyTest, ANewerSchemaIsRefused) {
  { Journal writer(config_, clock()); }
  raw_exec("PRAGMA user_version = 99");
  const std::string message = fatal_message([&] { Journal::open_read_only(config_, clock()); });
  EXPECT_NE(message.find("99"), std::string::npos) << message;
  EXPECT_NE(message.find("use a newer Raven"), std::string::npos) << message;
}

TEST_F(JournalReadOnlyTest, NotADatabaseIsFatal) {
  fs::create_directories(fs::path(config_.path).parent_path());
  std::ofstream(config_.path) << "this is not a database, not at all, just some text here....";
  const std::string message = fatal_message([&] { Journal::open_read_only(config_, clock()); });
  EXPECT_NE(message.find(config_.path), std::string::npos) << message;
}

}  // namespace
}  // namespace raven::store
