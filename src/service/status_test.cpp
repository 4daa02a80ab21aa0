// `raven status`: a journal built through the Journal API, printed as text
// and as JSON, at a fixed time.
#include "service/status.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "store/journal.hpp"
#include "store/journal_test_support.hpp"

namespace raven::service {
namespace {

namespace fs = std::filesystem;
using store::Key;
using store::State;

constexpr std::int64_t kNow = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "raven-status-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    config_.state.path = (dir_ / "state" / "journal.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A journal whose clock reads kNow + offset_ms at each write.
  store::Journal journal() {
    return store::Journal(config_.state, [this] { return kNow + offset_ms_; });
  }

  // One message in every interesting place:
  //  7:1 answered and done; 7:2 waiting for a retry after an LLM 503;
  //  7:3 failed for good; 7:4 skipped as uncertain; 7:5 just seen (no
  //  Message-ID); 7:6 skipped for another reason.
  void fill() {
    auto j = journal();
    const Key a{"INBOX", 7, 1}, b{"INBOX", 7, 2}, c{"INBOX", 7, 3}, d{"INBOX", 7, 4}, e{"INBOX", 7, 5},
        f{"INBOX", 7, 6};
    at(-600'000);
    j.record_seen(a, "<a@example.com>");
    j.transition(a, {State::seen}, State::answering);
    ASSERT_TRUE(j.begin_sending(a, {State::answering}, "<reply-a@raven.example.com>").claimed);
    j.transition(a, {State::sending}, State::sent);
    j.transition(a, {State::sent}, State::done);

    at(-180'000);
    j.record_seen(d, "<d@example.com>");
    j.transition(d, {State::seen}, State::answering);
    ASSERT_TRUE(j.begin_sending(d, {State::answering}, "<reply-d@raven.example.com>").claimed);
    at(-120'000);
    j.transition(d, {State::sending}, State::skipped,
                 {.reason = "uncertain: Raven stopped while the SMTP server had the reply"});

    at(-60'000);
    j.record_seen(c, "<c@example.com>");
    j.transition(c, {State::seen}, State::answering);
    j.record_failure(c, ErrorKind::permanent, "smtp: 550 5.1.1 <bob@example.com>: no such user",
                     std::nullopt);
    j.transition(c, {State::answering}, State::failed);

    at(-20'000);
    j.record_seen(b, "<b@example.com>");
    j.transition(b, {State::seen}, State::answering);
    j.record_failure(b, ErrorKind::transient,
                     "llm: HTTP 503 from https://llm.example.com/v1/chat/completions", kNow + 250'000);
    j.transition(b, {State::answering}, State::seen);

    at(-5'000);
    j.record_seen(e, "");
    j.record_seen(f, "<f@example.com>");
    j.transition(f, {State::seen}, State::skipped, {.reason = "sender not allowed"});
  }

  void at(std::int64_t offset_ms) { offset_ms_ = offset_ms; }

  struct Result {
    int code;
    std::string out;
    std::string err;
  };
  Result run(StatusFormat format, std::int64_t now_ms = kNow) {
    std::ostringstream out, err;
    const int code = status(config_, out, err, format, now_ms);
    return {code, out.str(), err.str()};
  }

  void raw_exec(const std::string& sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config_.state.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  fs::path dir_;
  config::Config config_;
  std::int64_t offset_ms_ = 0;
};

TEST_F(StatusTest, MissingJournalIsSaidPlainlyAndNotCreated) {
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusOk);
  EXPECT_EQ(r.out, "no journal at " + config_.state.path + " yet: Raven has not handled any message\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(fs::exists(config_.state.path));
  EXPECT_FALSE(fs::exists(dir_ / "state")) << "the journal's directory was created";

  auto j = run(StatusFormat::json);
  EXPECT_EQ(j.code, kStatusOk);
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["exists"], false);
  EXPECT_EQ(doc["total"], 0);
  EXPECT_EQ(doc["counts"]["seen"], 0);
  EXPECT_EQ(doc["counts"].size(), 7u);
  EXPECT_TRUE(doc["waiting_retries"].empty());
  EXPECT_FALSE(fs::exists(config_.state.path));
}

TEST_F(StatusTest, EmptyJournal) {
  { auto j = journal(); }
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusOk);
  EXPECT_EQ(r.out, "Journal " + config_.state.path +
                       ", as of 2023-11-14 22:13:20 UTC\n"
                       "\n"
                       "Messages by state\n"
                       "  seen        0\n"
                       "  answering   0\n"
                       "  sending     0\n"
                       "  sent        0\n"
                       "  done        0\n"
                       "  skipped     0\n"
                       "  failed      0\n"
                       "  total       0\n"
                       "\n"
                       "Waiting for a retry: none\n"
                       "\n"
                       "Last failures, newest first: none\n"
                       "\n"
                       "Skipped as uncertain: none\n");
}

TEST_F(StatusTest, Text) {
  fill();
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusOk);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "Journal " + config_.state.path +
                       ", as of 2023-11-14 22:13:20 UTC\n"
                       "\n"
                       "Messages by state\n"
                       "  seen        2\n"
                       "  answering   0\n"
                       "  sending     0\n"
                       "  sent        0\n"
                       "  done        1\n"
                       "  skipped     2\n"
                       "  failed      1\n"
                       "  total       6\n"
                       "\n"
                       "Waiting for a retry: 1\n"
                       "  INBOX uid 2 (uidvalidity 7)\n"
                       "    message-id  <b@example.com>\n"
                       "    state       seen\n"
                       "    attempts    1\n"
                       "    next        2023-11-14 22:17:30 UTC (in 4m10s)\n"
                       "    last error  llm: HTTP 503 from https://llm.example.com/v1/chat/completions\n"
                       "    kind        transient\n"
                       "\n"
                       "Last failures, newest first: 2\n"
                       "  2023-11-14 22:13:00 UTC  INBOX uid 2 (uidvalidity 7)\n"
                       "    message-id  <b@example.com>\n"
                       "    state       seen\n"
                       "    kind        transient\n"
                       "    error       llm: HTTP 503 from https://llm.example.com/v1/chat/completions\n"
                       "  2023-11-14 22:12:20 UTC  INBOX uid 3 (uidvalidity 7)\n"
                       "    message-id  <c@example.com>\n"
                       "    state       failed\n"
                       "    kind        permanent\n"
                       "    error       smtp: 550 5.1.1 <bob@example.com>: no such user\n"
                       "\n"
                       "Skipped as uncertain: 1\n"
                       "  Check by hand whether these senders got a reply: Raven stopped mid-send.\n"
                       "  INBOX uid 4 (uidvalidity 7)\n"
                       "    message-id  <d@example.com>\n"
                       "    reply-id    <reply-d@raven.example.com>\n"
                       "    skipped     2023-11-14 22:11:20 UTC\n"
                       "    reason      uncertain: Raven stopped while the SMTP server had the reply\n");
}

TEST_F(StatusTest, RetryTimesAreRelativeToNow) {
  fill();
  // The retry is at kNow + 250s.
  EXPECT_NE(run(StatusFormat::text, kNow + 250'000).out.find("(due now)"), std::string::npos);
  EXPECT_NE(run(StatusFormat::text, kNow + 250'000 + 3 * 3'600'000 + 120'500).out.find("(overdue by 3h2m)"),
            std::string::npos);
  EXPECT_NE(run(StatusFormat::text, kNow - 2 * 86'400'000).out.find("(in 2d)"), std::string::npos);
  EXPECT_NE(run(StatusFormat::text, kNow - 2 * 86'400'000 - 3 * 3'600'000).out.find("(in 2d3h)"),
            std::string::npos);
}

TEST_F(StatusTest, Json) {
  fill();
  auto r = run(StatusFormat::json);
  EXPECT_EQ(r.code, kStatusOk);
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["journal"], config_.state.path);
  EXPECT_EQ(doc["exists"], true);
  EXPECT_EQ(doc["now_ms"], kNow);
  EXPECT_EQ(doc["now"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(doc["counts"], nlohmann::json::parse(R"({"seen": 2, "answering": 0, "sending": 0, "sent": 0,
                                                     "done": 1, "skipped": 2, "failed": 1})"));
  EXPECT_EQ(doc["total"], 6);

  ASSERT_EQ(doc["waiting_retries"].size(), 1u);
  const auto& retry = doc["waiting_retries"][0];
  EXPECT_EQ(retry["mailbox"], "INBOX");
  EXPECT_EQ(retry["uidvalidity"], 7);
  EXPECT_EQ(retry["uid"], 2);
  EXPECT_EQ(retry["message_id"], "<b@example.com>");
  EXPECT_EQ(retry["state"], "seen");
  EXPECT_EQ(retry["attempts"], 1);
  EXPECT_EQ(retry["next_attempt_ms"], kNow + 250'000);
  EXPECT_EQ(retry["next_attempt"], "2023-11-14T22:17:30Z");
  EXPECT_EQ(retry["last_error_kind"], "transient");
  EXPECT_EQ(retry["last_failure_ms"], kNow - 20'000);
  EXPECT_TRUE(retry["reason"].is_null());

  ASSERT_EQ(doc["last_failures"].size(), 2u);
  EXPECT_EQ(doc["last_failures"][0]["uid"], 2);
  EXPECT_EQ(doc["last_failures"][1]["uid"], 3);
  EXPECT_EQ(doc["last_failures"][1]["state"], "failed");
  EXPECT_EQ(doc["last_failures"][1]["last_error_kind"], "permanent");
  EXPECT_TRUE(doc["last_failures"][1]["next_attempt_ms"].is_null());

  ASSERT_EQ(doc["uncertain"].size(), 1u);
  EXPECT_EQ(doc["uncertain"][0]["uid"], 4);
  EXPECT_EQ(doc["uncertain"][0]["reply_message_id"], "<reply-d@raven.example.com>");
  EXPECT_EQ(doc["uncertain"][0]["reason"], "uncertain: Raven stopped while the SMTP server had the reply");
  EXPECT_EQ(doc["uncertain_truncated"], false);
}

TEST_F(StatusTest, JournalTextCannotDriveTheTerminal) {
  {
    auto j = journal();
    const Key k{"INBOX\x1b[2J", 1, 1};
    j.record_seen(k, "<x\x07@example.com>");
    j.record_failure(k, ErrorKind::transient,
                     "bad\r\nnews \x1b]0;owned\x07 \xc2\x9b"
                     "31m",
                     kNow + 1000);
  }
  const std::string out = run(StatusFormat::text).out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos) << out;
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos) << out;
  EXPECT_NE(out.find("bad news ?]0;owned? ?31m"), std::string::npos) << out;
  EXPECT_NE(out.find("INBOX?[2J uid 1"), std::string::npos) << out;
}

TEST_F(StatusTest, LongErrorsWrapWithin80Columns) {
  {
    auto j = journal();
    const Key k{"INBOX", 1, 1};
    j.record_seen(k, "<long@example.com>");
    std::string error = "imap: ";
    for (int i = 0; i < 30; ++i) error += "word" + std::to_string(i) + " ";
    error += "https://example.com/" + std::string(90, 'x');
    j.record_failure(k, ErrorKind::transient, error, kNow + 1000);
  }
  std::istringstream lines(run(StatusFormat::text).out);
  int continuation = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("xxxxxxxx") != std::string::npos) {
      // One word longer than the line stays whole, on a line of its own.
      EXPECT_EQ(line, std::string(16, ' ') + "https://example.com/" + std::string(90, 'x'));
      continue;
    }
    EXPECT_LE(line.size(), 80u) << line;
    if (line.rfind(std::string(16, ' ') + "word", 0) == 0) ++continuation;
  }
  EXPECT_GE(continuation, 2);  // in both the retries and the failures
}

TEST_F(StatusTest, NotADatabaseIsOneLineOnStderrAndExit1) {
  fs::create_directories(fs::path(config_.state.path).parent_path());
  std::ofstream(config_.state.path) << "this is not a database, not at all, just some text here....";
  for (auto format : {StatusFormat::text, StatusFormat::json}) {
    auto r = run(format);
    EXPECT_EQ(r.code, kStatusUnreadable);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("raven status: cannot read the journal: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(config_.state.path), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(StatusTest, NewerSchemaIsRefused) {
  { auto j = journal(); }
  raw_exec("PRAGMA user_version = 99");
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusUnreadable);
  EXPECT_NE(r.err.find("use a newer Raven"), std::string::npos) << r.err;
}

// A journal of the first schema (before budgets): status reads it as it is
// and leaves the upgrade to `raven run`.
TEST_F(StatusTest, AnOlderSchemaIsShownAndNotUpgraded) {
  fs::create_directories(fs::path(config_.state.path).parent_path());
  raw_exec(
      std::string(store::kVersionOneMessagesTable) +
      "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, created_ms, updated_ms)"
      " VALUES ('INBOX', 1, 1, '<old@x>', 'done', 1, 1);"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA user_version = 1;");
  auto r = run(StatusFormat::json);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["counts"]["done"], 1);
  EXPECT_EQ(doc["total"], 1);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(config_.state.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1) << "status upgraded the journal";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StatusTest, AFileWithoutTheJournalsTablesSaysWhatToDo) {
  fs::create_directories(fs::path(config_.state.path).parent_path());
  raw_exec("CREATE TABLE unrelated (x)");
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusUnreadable);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("schema version 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("raven run"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Status reads while `raven run` is in the middle of a write: it neither
// waits for the lock (busy_timeout 0 would fail at once) nor sees the
// uncommitted row.
TEST_F(StatusTest, DoesNotWaitForTheWriter) {
  fill();
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(config_.state.path.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(writer,
                   "BEGIN IMMEDIATE; INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, "
                   "created_ms, updated_ms) VALUES ('INBOX', 7, 99, '', 'seen', 1, 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  config_.state.busy_timeout = std::chrono::milliseconds(0);
  auto r = run(StatusFormat::json);
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["total"], 6);
}

TEST_F(StatusTest, NoPathIsAnError) {
  config_.state.path.clear();
  auto r = run(StatusFormat::text);
  EXPECT_EQ(r.code, kStatusUnreadable);
  EXPECT_NE(r.err.find("set state.path"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace raven::service
