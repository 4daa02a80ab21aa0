#include "store/journal.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "store/sqlite.hpp"

namespace raven::store {

namespace {

using sqlite::Connection;
using sqlite::Query;
using sqlite::Statement;
using sqlite::SyncedCommit;
using sqlite::Transaction;

// The schema, one entry per version: kMigrations[i] takes user_version i to
// i + 1. Append only; never edit an entry that has shipped, because files in
// the field were created by it.
constexpr std::array<std::string_view, 3> kMigrations = {
    // 1: the messages table.
    R"sql(
CREATE TABLE messages (
  mailbox          TEXT    NOT NULL,
  uidvalidity      INTEGER NOT NULL,
  uid              INTEGER NOT NULL,
  message_id       TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN
                     ('seen','answering','sending','sent','done','skipped','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  last_error_kind  TEXT CHECK (last_error_kind IN ('transient','permanent','fatal')),
  last_failure_ms  INTEGER,
  next_attempt_ms  INTEGER,
  reply_message_id TEXT,
  reason           TEXT,
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL,
  PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_next_attempt ON messages (next_attempt_ms)
  WHERE next_attempt_ms IS NOT NULL;
CREATE INDEX messages_by_last_failure ON messages (last_failure_ms)
  WHERE last_failure_ms IS NOT NULL;
)sql",
    // 2: what the budgets count (policy.limits): who asked, in which thread,
    // when a reply was committed to, the tokens spent; and the over-budget
    // notices already sent.
    R"sql(
ALTER TABLE messages ADD COLUMN sender TEXT;
ALTER TABLE messages ADD COLUMN thread TEXT;
ALTER TABLE messages ADD COLUMN sending_ms INTEGER;
ALTER TABLE messages ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN tokens_ms INTEGER;
CREATE INDEX messages_by_sender ON messages (sender, sending_ms) WHERE sending_ms IS NOT NULL;
CREATE INDEX messages_by_thread ON messages (thread, sending_ms) WHERE sending_ms IS NOT NULL;
CREATE INDEX messages_by_sending ON messages (sending_ms) WHERE sending_ms IS NOT NULL;
CREATE INDEX messages_by_tokens ON messages (tokens_ms) WHERE tokens_ms IS NOT NULL;
CREATE TABLE notices (
  sender  TEXT    NOT NULL,
  day     INTEGER NOT NULL,
  sent_ms INTEGER NOT NULL,
  PRIMARY KEY (sender, day)
);
)sql",
    // 3: finding our own replies by their Message-ID (a reply to one of them
    // soon after it went out is an automaton's; policy, rule 1).
    R"sql(
CREATE INDEX messages_by_reply_message_id ON messages (reply_message_id) WHERE reply_message_id IS NOT NULL;
)sql",
};

constexpr int kVersion = static_cast<int>(kMigrations.size());

// ---- durability ----------------------------------------------------------------
//
// The connection runs with synchronous=NORMAL: in WAL mode a commit is then
// an append to the WAL without an fsync. It survives a crash of the process
// (SIGKILL, abort: the appended frames are in the kernel's page cache and
// the next opener replays them); a power loss or an OS crash may lose the
// newest commits, but never an older commit while keeping a newer one: the
// WAL's frames carry cumulative checksums, so recovery keeps a prefix of the
// commits and stops at the first frame that did not reach the disk. A
// checkpoint fsyncs the WAL before copying it into the database, and the
// database before the WAL is reused.
//
// A commit the protocol relies on across a power loss runs inside a
// SyncedCommit (synchronous=FULL): it returns only after an fdatasync of the
// WAL, which makes it and every earlier commit (of any message, any thread,
// any process) durable. These are synced:
//  - begin_sending (state sending): the claim must be on disk before the
//    SMTP server (or the Drafts APPEND) gets the reply. Lost after the server
//    took it, the message would be seen or answering again and be answered a
//    second time.
//  - any transition to sent: the reply is out and the flags come next. Lost,
//    the row would be back in sending, and resume() cannot tell a sent reply
//    from one that was not (unless it finds the copy in Sent): it would skip
//    the message as uncertain or, with answer.on_uncertain: resend, send it
//    again.
//  - any transition to sending (a resend that reuses a stored answer): the
//    same claim as begin_sending.
//  - any transition that may leave sending (to seen: SMTP said 4xx, certainly
//    not sent; to failed: SMTP said 5xx; to skipped: uncertain, decided after
//    a crash). Lost, the row would be in sending again and resume() would
//    treat a known outcome as unknown: a reply known not to have gone out
//    would be skipped as uncertain (with on_uncertain: skip) instead of being
//    retried, and a refused one misreported. These paths are rare; the
//    transition is synced when `from` contains sending, whatever state the
//    row was really in (fail() passes seen, answering and sending).
//  - claim_notice: the over-budget notice is sent after the claim. Lost, a
//    second notice could go to the same sender on the same day.
//
// Every other commit may be lost by a power loss, and what Raven does after
// the restart is still right (resume() in src/answer/resume.cpp; intake
// dispatches UNSEEN messages, due_retries() and unfinished()):
//  - record_seen (seen), begin_answering and seen -> answering: nothing has left Raven but an
//    LLM request. The message is still UNSEEN (nothing is flagged before the
//    reply is accepted or the skip recorded), so intake dispatches it again
//    and it is answered from the start (the LLM tokens are spent twice).
//  - answering -> seen with record_failure (a transient error: retry later):
//    the row is in answering (or seen) with fewer attempts or an older next
//    attempt; the UNSEEN message is dispatched again and retried, perhaps
//    sooner or once more than answer.max_attempts allows.
//  - sent -> done: the row is in sent, which unfinished() lists after intake
//    connects; resume() sets \Seen \Answered again (STORE +FLAGS is
//    idempotent) and records done again.
//  - seen/answering -> skipped or failed (policy, no text, duplicate,
//    already \Seen, a permanent error, attempts exhausted) and its
//    record_failure: no reply was sent, and none will be. If the flag STORE
//    did not reach the server either, the message is UNSEEN, is dispatched
//    again and decided again (skipped or failed again; a budget skip may be
//    answered if the budget has room by then: one reply, not two). If the
//    flags did reach it, the message is \Seen: the UNSEEN search never finds
//    it again, and if due_retries() dispatches it, handle() sees \Seen and
//    skips it. The reply protocol is intact; only the journal's record is
//    less exact: the row may stay in seen or answering, or say skipped
//    "already \Seen" instead of the lost reason, and `raven status` counts it
//    there.
//  - set_origin, add_tokens, set_reply_message_id: budget figures, and a
//    reply id begin_sending stores again. The budget (usage()) counts a
//    reply from sending_ms, which begin_sending writes and syncs with every
//    earlier commit; only tokens added after a message's last synced commit
//    (a message that ends skipped or failed) can be lost: the token budget
//    may undercount the last moments before a power loss.
//  - the schema migration at open: user_version is in the same transaction,
//    so a lost migration is applied again at the next open.
// Concurrent instances: each commit's durability is its own connection's
// choice; a synced commit from any of them syncs the whole WAL.
bool must_sync(std::span<const State> from, State to) noexcept {
  if (to == State::sending || to == State::sent) {
    return true;
  }
  for (State f : from) {
    if (f == State::sending) {
      return true;
    }
  }
  return false;
}

// ---- reading rows ------------------------------------------------------------

// Every Query with this prefix returns these columns in this order;
// read_record() relies on it. All of them exist since schema version 1.
constexpr std::string_view kSelectRecord =
    "SELECT mailbox, uidvalidity, uid, message_id, state, attempts, last_error, last_error_kind, "
    "last_failure_ms, next_attempt_ms, reply_message_id, reason, created_ms, updated_ms FROM messages ";

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(s, i))};
}

std::optional<std::string> column_opt_text(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) {
    return std::nullopt;
  }
  return column_text(s, i);
}

std::optional<std::int64_t> column_opt_int(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(s, i);
}

std::optional<ErrorKind> parse_kind(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  for (ErrorKind k : {ErrorKind::transient, ErrorKind::permanent, ErrorKind::fatal}) {
    if (to_string(k) == *text) {
      return k;
    }
  }
  return std::nullopt;  // the CHECK constraint makes this unreachable
}

Record read_record(sqlite3_stmt* s) {
  Record r;
  r.key.mailbox = column_text(s, 0);
  r.key.uidvalidity = static_cast<std::uint32_t>(sqlite3_column_int64(s, 1));
  r.key.uid = static_cast<std::uint32_t>(sqlite3_column_int64(s, 2));
  r.message_id = column_text(s, 3);
  r.state = parse_state(column_text(s, 4)).value_or(State::seen);
  r.attempts = sqlite3_column_int64(s, 5);
  r.last_error = column_opt_text(s, 6);
  r.last_error_kind = parse_kind(column_opt_text(s, 7));
  r.last_failure_ms = column_opt_int(s, 8);
  r.next_attempt_ms = column_opt_int(s, 9);
  r.reply_message_id = column_opt_text(s, 10);
  r.reason = column_opt_text(s, 11);
  r.created_ms = sqlite3_column_int64(s, 12);
  r.updated_ms = sqlite3_column_int64(s, 13);
  return r;
}

std::vector<Record> read_all(Statement& st) {
  std::vector<Record> rows;
  while (st.step()) {
    rows.push_back(read_record(st.get()));
  }
  return rows;
}

Statement& bind_key(Statement& st, int first, const Key& key) {
  st.bind(first, key.mailbox);
  st.bind(first + 1, static_cast<std::int64_t>(key.uidvalidity));
  return st.bind(first + 2, static_cast<std::int64_t>(key.uid));
}

// Binds `from` to the seven placeholders starting at `first`; unused ones
// are NULL, which IN never matches. State names are static text.
void bind_states(Statement& st, int first, std::span<const State> from) {
  for (std::size_t i = 0; i < kAllStates.size(); ++i) {
    int index = first + static_cast<int>(i);
    if (i < from.size()) {
      st.bind_static(index, to_string(from[i]));
    } else {
      st.bind_null(index);
    }
  }
}

// ---- the journal's statements --------------------------------------------------
// Each compiled once per connection (sqlite.hpp). min_version: the schema
// version that added what the statement uses (2: sender, thread, sending_ms,
// tokens, tokens_ms, notices), for a read-only journal on an older file.

constexpr Query kJournalModeWal{.sql = "PRAGMA journal_mode=WAL", .min_version = 0, .writes = true};
constexpr Query kUserVersion{.sql = "PRAGMA user_version", .min_version = 0};

constexpr Query kInsertSeen{.sql =
                                "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, "
                                "created_ms, updated_ms, sender, thread) "
                                "VALUES (?1, ?2, ?3, ?4, 'seen', ?5, ?5, ?6, ?7) "
                                "ON CONFLICT DO NOTHING",
                            .min_version = 2,
                            .writes = true};
// Insert in answering, or seen -> answering; one statement, so the check of
// the state and the write are one atomic step.
constexpr Query kBeginAnswering{.sql =
                                    "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, "
                                    "created_ms, updated_ms, sender, thread) "
                                    "VALUES (?1, ?2, ?3, ?4, 'answering', ?5, ?5, ?6, ?7) "
                                    "ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET "
                                    "state = 'answering', updated_ms = excluded.updated_ms, "
                                    "sender = excluded.sender, thread = excluded.thread "
                                    "WHERE state = 'seen'",
                                .min_version = 2,
                                .writes = true};
constexpr Query kByKey{.sql = "WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
                       .prefix = kSelectRecord};
constexpr Query kByMessageId{.sql = "WHERE message_id = ?1 ORDER BY created_ms, rowid",
                             .prefix = kSelectRecord};
// One statement, so the check of the current state and the write are one
// atomic step even against other processes. ?10-?16: the source states.
constexpr Query kTransition{
    .sql =
        "UPDATE messages SET state = ?1, updated_ms = ?2, "
        "reason = COALESCE(?3, reason), "
        "reply_message_id = COALESCE(?4, reply_message_id), "
        "next_attempt_ms = CASE WHEN ?5 THEN NULL ELSE COALESCE(?6, next_attempt_ms) END "
        "WHERE mailbox = ?7 AND uidvalidity = ?8 AND uid = ?9 "
        "AND state IN (?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    .writes = true};
constexpr Query kRecordFailure{.sql =
                                   "UPDATE messages SET attempts = attempts + 1, last_error = ?1, "
                                   "last_error_kind = ?2, last_failure_ms = ?3, next_attempt_ms = ?4, "
                                   "updated_ms = ?3 WHERE mailbox = ?5 AND uidvalidity = ?6 AND uid = ?7 "
                                   "RETURNING attempts",
                               .writes = true};
constexpr Query kOwnMessageId{
    .sql = "SELECT message_id FROM messages WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3"};
// The uncertain pattern is a literal, not a parameter: SQLite compiles a
// LIKE with a bound pattern for the value it was given, and prepares the
// statement again each time the parameter is bound (its LIKE optimisation),
// which cost a full parse and plan of this statement per message.
static_assert(kUncertainReason == "uncertain", "the LIKE patterns below spell kUncertainReason");
constexpr Query kAnsweredElsewhere{
    .sql =
        "WHERE message_id = ?1 AND NOT (mailbox = ?2 AND uidvalidity = ?3 AND uid = ?4) "
        "AND (state IN ('sending', 'sent', 'done') "
        "OR (state = 'skipped' AND reason LIKE 'uncertain%')) ORDER BY created_ms, rowid LIMIT 1",
    .prefix = kSelectRecord};
constexpr Query kClaimSending{.sql =
                                  "UPDATE messages SET state = 'sending', updated_ms = ?1, sending_ms = ?1, "
                                  "reply_message_id = ?2 "
                                  "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5 "
                                  "AND state IN (?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                              .min_version = 2,
                              .writes = true};
constexpr Query kSetReplyMessageId{.sql =
                                       "UPDATE messages SET reply_message_id = ?1, updated_ms = ?2 "
                                       "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
                                   .writes = true};
constexpr Query kDueRetries{.sql =
                                "WHERE next_attempt_ms IS NOT NULL AND next_attempt_ms <= ?1 AND "
                                "state IN ('seen', 'answering') ORDER BY next_attempt_ms, rowid",
                            .prefix = kSelectRecord};
constexpr Query kUnfinished{
    .sql = "WHERE mailbox = ?1 AND uidvalidity = ?2 AND state IN ('sending', 'sent') ORDER BY uid",
    .prefix = kSelectRecord};
constexpr Query kWaitingRetries{.sql =
                                    "WHERE next_attempt_ms IS NOT NULL AND state IN ('seen', 'answering') "
                                    "ORDER BY next_attempt_ms, rowid",
                                .prefix = kSelectRecord};
constexpr Query kLastFailures{.sql =
                                  "WHERE last_failure_ms IS NOT NULL "
                                  "ORDER BY last_failure_ms DESC, rowid DESC LIMIT ?1",
                              .prefix = kSelectRecord};
constexpr Query kSetOrigin{.sql =
                               "UPDATE messages SET sender = ?1, thread = ?2 "
                               "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
                           .min_version = 2,
                           .writes = true};
constexpr Query kAddTokens{.sql =
                               "UPDATE messages SET tokens = tokens + ?1, tokens_ms = ?2 "
                               "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
                           .min_version = 2,
                           .writes = true};
// One statement, one snapshot. Rows count from the moment a reply was
// committed to (sending), whatever happened after: a reply that may have
// gone out counts against the budget.
constexpr Query kUsage{.sql =
                           "SELECT "
                           "(SELECT COUNT(*) FROM messages WHERE sender = ?1 AND sending_ms >= ?3), "
                           "(SELECT COUNT(*) FROM messages WHERE thread = ?2 AND sending_ms IS NOT NULL), "
                           "(SELECT COUNT(*) FROM messages WHERE sending_ms >= ?3), "
                           "(SELECT COALESCE(SUM(tokens), 0) FROM messages WHERE tokens_ms >= ?3)",
                       .min_version = 2};
constexpr Query kReplySentAt{
    .sql = "SELECT MAX(sending_ms) FROM messages WHERE reply_message_id = ?1 AND sending_ms IS NOT NULL",
    .min_version = 2};
constexpr Query kClaimNotice{
    .sql = "INSERT INTO notices (sender, day, sent_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    .min_version = 2,
    .writes = true};
constexpr Query kInState{.sql = "WHERE state = ?1 ORDER BY updated_ms DESC, rowid DESC LIMIT ?2",
                         .prefix = kSelectRecord};
constexpr Query kUncertain{
    .sql = "WHERE state = 'skipped' AND reason LIKE 'uncertain%' ORDER BY updated_ms DESC, rowid DESC LIMIT ?1",
    .prefix = kSelectRecord};
constexpr Query kCountsByState{.sql = "SELECT state, COUNT(*) FROM messages GROUP BY state"};

// ?1-?7 of kInsertSeen and kBeginAnswering: a new row's key, Message-ID,
// creation time and origin.
Statement& bind_new_row(Statement& st, const Key& key, const std::string& message_id, std::int64_t now,
                        const Origin& origin) {
  return bind_key(st, 1, key).bind(4, message_id).bind(5, now).bind(6, origin.sender).bind(7, origin.thread);
}

// Adds `tokens` to the row of `key`; false if there is no row. The caller
// holds the journal's mutex (add_tokens, or begin_sending's transaction).
bool add_tokens_to(Connection& db, const Key& key, std::int64_t tokens, std::int64_t now) {
  Statement st = db.prepare(kAddTokens);
  st.bind(1, tokens).bind(2, now);
  bind_key(st, 3, key);
  st.step();
  return db.changes() == 1;
}

std::int64_t read_user_version(Connection& db) {
  Statement st = db.prepare(kUserVersion);
  return st.step() ? sqlite3_column_int64(st.get(), 0) : 0;
}

void check_states(std::span<const State> from, State to, const char* what) {
  if (from.empty() || from.size() > kAllStates.size()) {
    throw std::invalid_argument(std::string("store: ") + what + " needs 1-7 source states");
  }
  for (State f : from) {
    if (!is_legal_transition(f, to)) {
      throw std::invalid_argument("store: illegal transition " + std::string(to_string(f)) + " -> " +
                                  std::string(to_string(to)));
    }
  }
}

}  // namespace

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Journal::schema_version() noexcept {
  return kVersion;
}

Journal::Journal(const Config& config, WallClock now) : Journal(config, std::move(now), Access::read_write) {}

Journal Journal::open_read_only(const Config& config, WallClock now) {
  return Journal(config, std::move(now), Access::read_only);
}

Journal::Journal(const Config& config, WallClock now, Access access)
    : now_(std::move(now)), path_(config.path) {
  if (auto problems = config.validate(); !problems.empty()) {
    throw std::invalid_argument("store: " + problems.front().field + ": " + problems.front().message);
  }
  if (!now_) {
    now_ = system_now_ms;
  }
  try {
    if (access == Access::read_only) {
      open_read_only_connection(config);
    } else {
      open_read_write_connection(config);
    }
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::fatal) {
      throw;
    }
    throw Error(ErrorKind::fatal, e.what());  // any failure at open is fatal
  }
}

void Journal::open_read_write_connection(const Config& config) {
  std::filesystem::path file(config.path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      throw Error(ErrorKind::fatal,
                  "store: cannot create directory " + file.parent_path().string() + ": " + ec.message());
    }
  }
  db_ = std::make_unique<Connection>(config.path, Connection::Mode::read_write, config.busy_timeout);
  Connection& db = *db_;

  // WAL: readers (raven status) never block the writer, and a commit is one
  // append (plus one fsync when synced). The mode is persistent in the file;
  // setting it again is a no-op, and it cannot be changed inside a
  // transaction.
  {
    Statement st = db.prepare(kJournalModeWal);
    std::string mode = st.step() ? column_text(st.get(), 0) : std::string();
    if (mode != "wal") {
      throw Error(ErrorKind::fatal, "store: " + path_ + " cannot use WAL mode (got '" + mode + "')");
    }
  }
  // NORMAL, and FULL for the commits that need it: see "durability" above.
  db.set_synchronous_full(false);
  db.exec("PRAGMA foreign_keys=ON", ErrorKind::fatal);

  Transaction tx(db);
  // Read inside the write transaction: another process may be migrating.
  auto version = read_user_version(db);
  if (version > kVersion) {
    throw Error(ErrorKind::fatal, "store: " + path_ + " has schema version " + std::to_string(version) +
                                      " but this Raven knows only " + std::to_string(kVersion) +
                                      "; use a newer Raven");
  }
  if (version < 0) {
    throw Error(ErrorKind::fatal, "store: " + path_ + " has a negative schema version");
  }
  for (auto v = static_cast<std::size_t>(version); v < kMigrations.size(); ++v) {
    db.exec(kMigrations[v], ErrorKind::fatal);
  }
  if (version != kVersion) {
    // PRAGMA takes no bound parameters; the value is this file's constant.
    db.exec("PRAGMA user_version=" + std::to_string(kVersion), ErrorKind::fatal);
  }
  tx.commit();
  db.set_schema_version(kVersion);
}

void Journal::open_read_only_connection(const Config& config) {
  // No directory, no file, no WAL switch, no migration: nothing is written.
  // (SQLite may create the -wal and -shm files next to the journal if they
  // are missing, as any reader of a WAL database does.)
  db_ = std::make_unique<Connection>(config.path, Connection::Mode::read_only, config.busy_timeout);
  auto version = read_user_version(*db_);
  if (version > kVersion) {
    throw Error(ErrorKind::fatal, "store: " + path_ + " has schema version " + std::to_string(version) +
                                      " but this Raven knows only " + std::to_string(kVersion) +
                                      "; use a newer Raven");
  }
  if (version < 1) {
    // Version 0: the file has no journal tables (an empty file, or not
    // Raven's).
    throw Error(ErrorKind::fatal, "store: " + path_ + " has schema version " + std::to_string(version) +
                                      " (no journal tables; this Raven writes version " +
                                      std::to_string(kVersion) + "); `raven run` creates or upgrades it");
  }
  // Older versions (1 .. kVersion-1) are read as they are: a member whose
  // statement needs newer columns says so (Connection::prepare).
  db_->set_schema_version(static_cast<int>(version));
}

Journal::~Journal() = default;

SeenResult Journal::record_seen(const Key& key, const std::string& message_id, const Origin& origin) {
  std::lock_guard lock(m_);
  Connection& db = *db_;
  auto now = now_();
  bool inserted = false;
  {
    Statement insert = db.prepare(kInsertSeen);
    bind_new_row(insert, key, message_id, now, origin);
    insert.step();
    inserted = db.changes() > 0;
  }
  Statement st = db.prepare(kByKey);
  bind_key(st, 1, key);
  if (!st.step()) {
    throw Error(ErrorKind::transient, "store: row for " + key.mailbox + " vanished after insert");
  }
  return {read_record(st.get()), inserted};
}

bool Journal::begin_answering(const Key& key, const std::string& message_id, const Origin& origin) {
  std::lock_guard lock(m_);
  Connection& db = *db_;
  Statement st = db.prepare(kBeginAnswering);
  bind_new_row(st, key, message_id, now_(), origin);
  st.step();
  return db.changes() == 1;
}

std::optional<Record> Journal::get(const Key& key) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kByKey);
  bind_key(st, 1, key);
  if (!st.step()) {
    return std::nullopt;
  }
  return read_record(st.get());
}

std::vector<Record> Journal::find_by_message_id(const std::string& message_id) {
  if (message_id.empty()) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kByMessageId);
  st.bind(1, message_id);
  return read_all(st);
}

bool Journal::transition(const Key& key, std::span<const State> from, State to, const Fields& fields) {
  check_states(from, to, "transition");
  std::lock_guard lock(m_);
  Connection& db = *db_;
  SyncedCommit synced(db, must_sync(from, to));
  Statement st = db.prepare(kTransition);
  st.bind_static(1, to_string(to))
      .bind(2, now_())
      .bind(3, fields.reason)
      .bind(4, fields.reply_message_id)
      .bind(5, std::int64_t{fields.clear_next_attempt ? 1 : 0})
      .bind(6, fields.next_attempt_ms);
  bind_key(st, 7, key);
  bind_states(st, 10, from);
  st.step();
  return db.changes() == 1;
}

std::optional<std::int64_t> Journal::record_failure(const Key& key, ErrorKind kind, const std::string& error,
                                                    std::optional<std::int64_t> next_attempt_ms) {
  std::lock_guard lock(m_);
  auto now = now_();
  Statement st = db_->prepare(kRecordFailure);
  st.bind(1, error).bind_static(2, to_string(kind)).bind(3, now).bind(4, next_attempt_ms);
  bind_key(st, 5, key);
  if (!st.step()) return std::nullopt;
  std::int64_t attempts = sqlite3_column_int64(st.get(), 0);
  while (st.step()) {
  }
  return attempts;
}

SendClaim Journal::begin_sending(const Key& key, std::span<const State> from,
                                 const std::string& reply_message_id, std::int64_t tokens) {
  check_states(from, State::sending, "begin_sending");
  std::lock_guard lock(m_);
  Connection& db = *db_;
  // Declared before the transaction, so the transaction ends (commit or
  // rollback) before synchronous goes back to NORMAL.
  SyncedCommit synced(db, true);
  // IMMEDIATE: the write lock is taken before the check, so another process
  // cannot claim the same Message-ID between our SELECT and UPDATE.
  Transaction tx(db);
  std::string message_id;
  {
    Statement own = db.prepare(kOwnMessageId);
    bind_key(own, 1, key);
    if (!own.step()) return {};
    message_id = column_text(own.get(), 0);
  }
  if (tokens != 0) add_tokens_to(db, key, tokens, now_());
  std::optional<Record> answered_as;
  if (!message_id.empty()) {
    Statement other = db.prepare(kAnsweredElsewhere);
    other.bind(1, message_id);
    bind_key(other, 2, key);
    if (other.step()) answered_as = read_record(other.get());
  }
  if (answered_as) {
    tx.commit();  // the tokens
    return {false, std::move(answered_as)};
  }
  bool claimed = false;
  {
    Statement st = db.prepare(kClaimSending);
    st.bind(1, now_()).bind(2, reply_message_id);
    bind_key(st, 3, key);
    bind_states(st, 6, from);
    st.step();
    claimed = db.changes() == 1;
  }
  tx.commit();
  return {claimed, std::nullopt};
}

bool Journal::set_reply_message_id(const Key& key, const std::string& reply_message_id) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kSetReplyMessageId);
  st.bind(1, reply_message_id).bind(2, now_());
  bind_key(st, 3, key);
  st.step();
  return db_->changes() == 1;
}

std::vector<Record> Journal::due_retries(std::int64_t now_ms) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kDueRetries);
  st.bind(1, now_ms);
  return read_all(st);
}

std::vector<Record> Journal::unfinished(const std::string& mailbox, std::uint32_t uidvalidity) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kUnfinished);
  st.bind(1, mailbox).bind(2, std::int64_t{uidvalidity});
  return read_all(st);
}

std::vector<Record> Journal::waiting_retries() {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kWaitingRetries);
  return read_all(st);
}

std::vector<Record> Journal::last_failures(int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kLastFailures);
  st.bind(1, std::int64_t{limit});
  return read_all(st);
}

bool Journal::set_origin(const Key& key, const std::string& sender, const std::string& thread) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kSetOrigin);
  st.bind(1, sender).bind(2, thread);
  bind_key(st, 3, key);
  st.step();
  return db_->changes() == 1;
}

bool Journal::add_tokens(const Key& key, std::int64_t tokens) {
  std::lock_guard lock(m_);
  return add_tokens_to(*db_, key, tokens, now_());
}

Usage Journal::usage(const std::string& sender, const std::string& thread, std::int64_t since_ms) {
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kUsage);
  st.bind(1, sender).bind(2, thread).bind(3, since_ms);
  Usage u;
  if (st.step()) {
    u.replies_by_sender = sqlite3_column_int64(st.get(), 0);
    u.replies_in_thread = thread.empty() ? 0 : sqlite3_column_int64(st.get(), 1);
    u.replies_total = sqlite3_column_int64(st.get(), 2);
    u.tokens = sqlite3_column_int64(st.get(), 3);
  }
  return u;
}

std::optional<std::int64_t> Journal::reply_sent_at(const std::string& reply_message_id) {
  if (reply_message_id.empty()) {
    return std::nullopt;
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kReplySentAt);
  st.bind(1, reply_message_id);
  if (!st.step() || sqlite3_column_type(st.get(), 0) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(st.get(), 0);
}

bool Journal::claim_notice(const std::string& sender, std::int64_t day) {
  std::lock_guard lock(m_);
  Connection& db = *db_;
  SyncedCommit synced(db, true);  // the notice is sent next: see "durability"
  Statement st = db.prepare(kClaimNotice);
  st.bind(1, sender).bind(2, day).bind(3, now_());
  st.step();
  return db.changes() == 1;
}

std::vector<Record> Journal::in_state(State state, int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kInState);
  st.bind_static(1, to_string(state)).bind(2, std::int64_t{limit});
  return read_all(st);
}

std::vector<Record> Journal::uncertain(int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kUncertain);
  st.bind(1, std::int64_t{limit});
  return read_all(st);
}

std::map<State, std::int64_t> Journal::counts_by_state() {
  std::map<State, std::int64_t> counts;
  for (State s : kAllStates) {
    counts[s] = 0;
  }
  std::lock_guard lock(m_);
  Statement st = db_->prepare(kCountsByState);
  while (st.step()) {
    if (auto s = parse_state(column_text(st.get(), 0))) {
      counts[*s] = sqlite3_column_int64(st.get(), 1);
    }
  }
  return counts;
}

}  // namespace raven::store
