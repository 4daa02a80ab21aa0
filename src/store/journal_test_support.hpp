// Test support for the journal's tests: a fresh temp dir per test, a journal
// path inside a directory that does not exist yet, a settable clock, and raw
// SQLite access "as another tool would". Test code only.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "store/journal.hpp"

namespace raven::store {

// The messages table as schema version 1 created it (before the budgets'
// columns), for tests of reading and upgrading an old journal.
inline constexpr const char* kVersionOneMessagesTable =
    "CREATE TABLE messages (mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,"
    " message_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " last_error_kind TEXT, last_failure_ms INTEGER, next_attempt_ms INTEGER, reply_message_id TEXT,"
    " reason TEXT, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY (mailbox, uidvalidity, uid));";

class JournalFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "raven-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_.path = (dir_ / "sub" / "dir" / "journal.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  WallClock clock() {
    return [this] { return now_.load(); };
  }

  // Reads one integer with a raw connection, as another tool would.
  std::int64_t raw_int(const char* sql) const {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(config_.path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
    std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }
  void raw_exec(const std::string& sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config_.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  Config config_;
  std::atomic<std::int64_t> now_{1'700'000'000'000};
};

}  // namespace raven::store
