#include "store/journal.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace raven::store {

namespace {

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

// Every SELECT returns these columns in this order; read_record() relies on it.
constexpr std::string_view kColumns =
    "mailbox, uidvalidity, uid, message_id, state, attempts, last_error, last_error_kind, "
    "last_failure_ms, next_attempt_ms, reply_message_id, reason, created_ms, updated_ms";

ErrorKind kind_of(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_INTERRUPT:
    case SQLITE_NOMEM: return ErrorKind::transient;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH: return ErrorKind::fatal;
    default: return ErrorKind::permanent;
  }
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what, const std::string& path,
                       std::optional<ErrorKind> kind = std::nullopt) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(kind.value_or(kind_of(rc)), "store: " + std::string(what) + " failed for " + path + ": " +
                                              detail + " (sqlite code " + std::to_string(rc) + ")");
}

struct Finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

// A prepared statement bound to one connection. Values go in only through
// bind(); SQL text is always a constant of this file.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string& path) : db_(db), path_(path) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    stmt_.reset(raw);
    if (rc != SQLITE_OK) {
      fail(db_, rc, "prepare", path_);
    }
  }

  Statement& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_.get(), index, value));
    return *this;
  }
  Statement& bind(int index, const std::string& value) {
    check(sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, std::string_view value) { return bind(index, std::string(value)); }
  Statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_.get(), index));
    return *this;
  }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  Statement& bind_key(int first, const Key& key) {
    bind(first, key.mailbox);
    bind(first + 1, static_cast<std::int64_t>(key.uidvalidity));
    return bind(first + 2, static_cast<std::int64_t>(key.uid));
  }

  // True while a row is available; false when done.
  bool step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    fail(db_, rc, "step", path_);
  }

  [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_.get(); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) {
      fail(db_, rc, "bind", path_);
    }
  }

  sqlite3* db_;
  const std::string& path_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

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

std::string select(std::string_view rest) {
  return "SELECT " + std::string(kColumns) + " FROM messages " + std::string(rest);
}

// For statements without values (pragmas, DDL, BEGIN/COMMIT).
void exec(sqlite3* db, std::string_view sql, const std::string& path,
          std::optional<ErrorKind> kind = std::nullopt) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(kind.value_or(kind_of(rc)),
                "store: " + std::string(sql.substr(0, 40)) + " failed for " + path + ": " + detail);
  }
}

std::int64_t pragma_int(sqlite3* db, std::string_view pragma, const std::string& path) {
  Statement st(db, pragma, path);
  return st.step() ? sqlite3_column_int64(st.get(), 0) : 0;
}

// Rolls back an open transaction unless commit() ran, so an exception inside
// a migration leaves the file at its old version.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    // IMMEDIATE takes the write lock now (waiting up to busy_timeout), so
    // the version read below cannot go stale before we write.
    exec(db_, "BEGIN IMMEDIATE", path_);
  }
  ~Transaction() {
    if (!done_) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec(db_, "COMMIT", path_);
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool done_ = false;
};

constexpr std::string_view kRetryWaitingStates = "state IN ('seen', 'answering')";

}  // namespace

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Journal::schema_version() noexcept {
  return kVersion;
}

void Journal::Closer::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close if a statement were still alive; none should be.
  sqlite3_close_v2(db);
}

Journal::Journal(const Config& config, WallClock now) : now_(std::move(now)), path_(config.path) {
  if (auto problems = config.validate(); !problems.empty()) {
    throw std::invalid_argument("store: " + problems.front().field + ": " + problems.front().message);
  }
  if (!now_) {
    now_ = system_now_ms;
  }

  std::filesystem::path file(config.path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      throw Error(ErrorKind::fatal,
                  "store: cannot create directory " + file.parent_path().string() + ": " + ec.message());
    }
  }

  sqlite3* raw = nullptr;
  // NOMUTEX: our own mutex serialises use of the connection.
  int rc = sqlite3_open_v2(config.path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);  // even on failure sqlite3_open_v2 may allocate a handle
  if (rc != SQLITE_OK) {
    fail(db_.get(), rc, "open", path_, ErrorKind::fatal);
  }
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(config.busy_timeout.count()));

  try {
    // WAL: readers (raven status) never block the writer, and a commit is one
    // append plus one fsync. The mode is persistent in the file; setting it
    // again is a no-op, and it cannot be changed inside a transaction.
    {
      Statement st(db_.get(), "PRAGMA journal_mode=WAL", path_);
      std::string mode = st.step() ? column_text(st.get(), 0) : std::string();
      if (mode != "wal") {
        throw Error(ErrorKind::fatal, "store: " + path_ + " cannot use WAL mode (got '" + mode + "')");
      }
    }
    // FULL rather than NORMAL: with NORMAL in WAL mode a commit survives a
    // process crash but not a power loss or kernel panic, and a lost
    // `sending` or `sent` record would make Raven send a second reply — the
    // one thing the journal exists to prevent. FULL costs one fsync per
    // commit; Raven writes a handful of rows per message, so that is cheap.
    exec(db_.get(), "PRAGMA synchronous=FULL", path_, ErrorKind::fatal);
    exec(db_.get(), "PRAGMA foreign_keys=ON", path_, ErrorKind::fatal);

    Transaction tx(db_.get(), path_);
    // Read inside the write transaction: another process may be migrating.
    auto version = pragma_int(db_.get(), "PRAGMA user_version", path_);
    if (version > kVersion) {
      throw Error(ErrorKind::fatal, "store: " + path_ + " has schema version " + std::to_string(version) +
                                        " but this Raven knows only " + std::to_string(kVersion) +
                                        "; use a newer Raven");
    }
    if (version < 0) {
      throw Error(ErrorKind::fatal, "store: " + path_ + " has a negative schema version");
    }
    for (auto v = static_cast<std::size_t>(version); v < kMigrations.size(); ++v) {
      exec(db_.get(), kMigrations[v], path_, ErrorKind::fatal);
    }
    if (version != kVersion) {
      // PRAGMA takes no bound parameters; the value is this file's constant.
      exec(db_.get(), "PRAGMA user_version=" + std::to_string(kVersion), path_, ErrorKind::fatal);
    }
    tx.commit();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::fatal) {
      throw;
    }
    throw Error(ErrorKind::fatal, e.what());  // any failure at open is fatal
  }
}

Journal::~Journal() = default;

SeenResult Journal::record_seen(const Key& key, const std::string& message_id) {
  std::lock_guard lock(m_);
  auto now = now_();
  Statement insert(db_.get(),
                   "INSERT INTO messages (mailbox, uidvalidity, uid, message_id, state, "
                   "created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 'seen', ?5, ?5) "
                   "ON CONFLICT DO NOTHING",
                   path_);
  insert.bind_key(1, key).bind(4, message_id).bind(5, now);
  insert.step();
  bool inserted = sqlite3_changes(db_.get()) > 0;

  Statement st(db_.get(), select("WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3"), path_);
  st.bind_key(1, key);
  if (!st.step()) {
    throw Error(ErrorKind::transient, "store: row for " + key.mailbox + " vanished after insert");
  }
  return {read_record(st.get()), inserted};
}

std::optional<Record> Journal::get(const Key& key) {
  std::lock_guard lock(m_);
  Statement st(db_.get(), select("WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3"), path_);
  st.bind_key(1, key);
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
  Statement st(db_.get(), select("WHERE message_id = ?1 ORDER BY created_ms, rowid"), path_);
  st.bind(1, message_id);
  return read_all(st);
}

bool Journal::transition(const Key& key, std::span<const State> from, State to, const Fields& fields) {
  if (from.empty() || from.size() > kAllStates.size()) {
    throw std::invalid_argument("store: transition needs 1-7 source states");
  }
  for (State f : from) {
    if (!is_legal_transition(f, to)) {
      throw std::invalid_argument("store: illegal transition " + std::string(to_string(f)) + " -> " +
                                  std::string(to_string(to)));
    }
  }
  std::lock_guard lock(m_);
  // One statement, so the check of the current state and the write are one
  // atomic step even against other processes. Seven placeholders for the
  // source states; unused ones are NULL, which IN never matches.
  Statement st(db_.get(),
               "UPDATE messages SET state = ?1, updated_ms = ?2, "
               "reason = COALESCE(?3, reason), "
               "reply_message_id = COALESCE(?4, reply_message_id), "
               "next_attempt_ms = CASE WHEN ?5 THEN NULL ELSE COALESCE(?6, next_attempt_ms) END "
               "WHERE mailbox = ?7 AND uidvalidity = ?8 AND uid = ?9 "
               "AND state IN (?10, ?11, ?12, ?13, ?14, ?15, ?16)",
               path_);
  st.bind(1, to_string(to))
      .bind(2, now_())
      .bind(3, fields.reason)
      .bind(4, fields.reply_message_id)
      .bind(5, std::int64_t{fields.clear_next_attempt ? 1 : 0})
      .bind(6, fields.next_attempt_ms)
      .bind_key(7, key);
  for (std::size_t i = 0; i < kAllStates.size(); ++i) {
    int index = 10 + static_cast<int>(i);
    if (i < from.size()) {
      st.bind(index, to_string(from[i]));
    } else {
      st.bind_null(index);
    }
  }
  st.step();
  return sqlite3_changes(db_.get()) == 1;
}

std::optional<std::int64_t> Journal::record_failure(const Key& key, ErrorKind kind, const std::string& error,
                                                    std::optional<std::int64_t> next_attempt_ms) {
  std::lock_guard lock(m_);
  auto now = now_();
  Statement st(db_.get(),
               "UPDATE messages SET attempts = attempts + 1, last_error = ?1, "
               "last_error_kind = ?2, last_failure_ms = ?3, next_attempt_ms = ?4, "
               "updated_ms = ?3 WHERE mailbox = ?5 AND uidvalidity = ?6 AND uid = ?7 "
               "RETURNING attempts",
               path_);
  st.bind(1, error).bind(2, to_string(kind)).bind(3, now).bind(4, next_attempt_ms).bind_key(5, key);
  if (!st.step()) return std::nullopt;
  std::int64_t attempts = sqlite3_column_int64(st.get(), 0);
  while (st.step()) {
  }
  return attempts;
}

SendClaim Journal::begin_sending(const Key& key, std::span<const State> from, const std::string& reply_message_id) {
  if (from.empty() || from.size() > kAllStates.size()) {
    throw std::invalid_argument("store: begin_sending needs 1-7 source states");
  }
  for (State f : from) {
    if (!is_legal_transition(f, State::sending)) {
      throw std::invalid_argument("store: illegal transition " + std::string(to_string(f)) + " -> sending");
    }
  }
  std::lock_guard lock(m_);
  // IMMEDIATE: the write lock is taken before the check, so another process
  // cannot claim the same Message-ID between our SELECT and UPDATE.
  Transaction tx(db_.get(), path_);
  Statement own(db_.get(), "SELECT message_id FROM messages WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
                path_);
  own.bind_key(1, key);
  if (!own.step()) return {};
  const std::string message_id = column_text(own.get(), 0);
  if (!message_id.empty()) {
    Statement other(db_.get(),
                    select("WHERE message_id = ?1 AND NOT (mailbox = ?2 AND uidvalidity = ?3 AND uid = ?4) "
                           "AND (state IN ('sending', 'sent', 'done') "
                           "OR (state = 'skipped' AND reason LIKE ?5)) ORDER BY created_ms, rowid LIMIT 1"),
                    path_);
    other.bind(1, message_id).bind_key(2, key).bind(5, std::string(kUncertainReason) + "%");
    if (other.step()) return {false, read_record(other.get())};
  }
  Statement st(db_.get(),
               "UPDATE messages SET state = 'sending', updated_ms = ?1, sending_ms = ?1, reply_message_id = ?2 "
               "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5 "
               "AND state IN (?6, ?7, ?8, ?9, ?10, ?11, ?12)",
               path_);
  st.bind(1, now_()).bind(2, reply_message_id).bind_key(3, key);
  for (std::size_t i = 0; i < kAllStates.size(); ++i) {
    int index = 6 + static_cast<int>(i);
    if (i < from.size()) {
      st.bind(index, to_string(from[i]));
    } else {
      st.bind_null(index);
    }
  }
  st.step();
  const bool claimed = sqlite3_changes(db_.get()) == 1;
  tx.commit();
  return {claimed, std::nullopt};
}

bool Journal::set_reply_message_id(const Key& key, const std::string& reply_message_id) {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               "UPDATE messages SET reply_message_id = ?1, updated_ms = ?2 "
               "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
               path_);
  st.bind(1, reply_message_id).bind(2, now_()).bind_key(3, key);
  st.step();
  return sqlite3_changes(db_.get()) == 1;
}

std::vector<Record> Journal::due_retries(std::int64_t now_ms) {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               select("WHERE next_attempt_ms IS NOT NULL AND next_attempt_ms <= ?1 AND " +
                      std::string(kRetryWaitingStates) + " ORDER BY next_attempt_ms, rowid"),
               path_);
  st.bind(1, now_ms);
  return read_all(st);
}

std::vector<Record> Journal::unfinished(const std::string& mailbox, std::uint32_t uidvalidity) {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               select("WHERE mailbox = ?1 AND uidvalidity = ?2 AND state IN ('sending', 'sent') ORDER BY uid"),
               path_);
  st.bind(1, mailbox).bind(2, std::int64_t{uidvalidity});
  return read_all(st);
}

std::vector<Record> Journal::waiting_retries() {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               select("WHERE next_attempt_ms IS NOT NULL AND " + std::string(kRetryWaitingStates) +
                      " ORDER BY next_attempt_ms, rowid"),
               path_);
  return read_all(st);
}

std::vector<Record> Journal::last_failures(int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               select("WHERE last_failure_ms IS NOT NULL "
                      "ORDER BY last_failure_ms DESC, rowid DESC LIMIT ?1"),
               path_);
  st.bind(1, std::int64_t{limit});
  return read_all(st);
}

bool Journal::set_origin(const Key& key, const std::string& sender, const std::string& thread) {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               "UPDATE messages SET sender = ?1, thread = ?2 WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
               path_);
  st.bind(1, sender).bind(2, thread).bind_key(3, key);
  st.step();
  return sqlite3_changes(db_.get()) == 1;
}

bool Journal::add_tokens(const Key& key, std::int64_t tokens) {
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               "UPDATE messages SET tokens = tokens + ?1, tokens_ms = ?2 "
               "WHERE mailbox = ?3 AND uidvalidity = ?4 AND uid = ?5",
               path_);
  st.bind(1, tokens).bind(2, now_()).bind_key(3, key);
  st.step();
  return sqlite3_changes(db_.get()) == 1;
}

Usage Journal::usage(const std::string& sender, const std::string& thread, std::int64_t since_ms) {
  std::lock_guard lock(m_);
  // One statement, one snapshot. Rows count from the moment a reply was
  // committed to (sending), whatever happened after: a reply that may have
  // gone out counts against the budget.
  Statement st(db_.get(),
               "SELECT "
               "(SELECT COUNT(*) FROM messages WHERE sender = ?1 AND sending_ms >= ?3), "
               "(SELECT COUNT(*) FROM messages WHERE thread = ?2 AND sending_ms IS NOT NULL), "
               "(SELECT COUNT(*) FROM messages WHERE sending_ms >= ?3), "
               "(SELECT COALESCE(SUM(tokens), 0) FROM messages WHERE tokens_ms >= ?3)",
               path_);
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
  Statement st(db_.get(),
               "SELECT MAX(sending_ms) FROM messages WHERE reply_message_id = ?1 AND sending_ms IS NOT NULL", path_);
  st.bind(1, reply_message_id);
  if (!st.step() || sqlite3_column_type(st.get(), 0) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(st.get(), 0);
}

bool Journal::claim_notice(const std::string& sender, std::int64_t day) {
  std::lock_guard lock(m_);
  Statement st(db_.get(), "INSERT INTO notices (sender, day, sent_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
               path_);
  st.bind(1, sender).bind(2, day).bind(3, now_());
  st.step();
  return sqlite3_changes(db_.get()) == 1;
}

std::vector<Record> Journal::in_state(State state, int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st(db_.get(), select("WHERE state = ?1 ORDER BY updated_ms DESC, rowid DESC LIMIT ?2"), path_);
  st.bind(1, to_string(state)).bind(2, std::int64_t{limit});
  return read_all(st);
}

std::vector<Record> Journal::uncertain(int limit) {
  if (limit <= 0) {
    return {};
  }
  std::lock_guard lock(m_);
  Statement st(db_.get(),
               select("WHERE state = 'skipped' AND reason LIKE ?1 ORDER BY updated_ms DESC, rowid DESC LIMIT ?2"),
               path_);
  st.bind(1, std::string(kUncertainReason) + "%").bind(2, std::int64_t{limit});
  return read_all(st);
}

std::map<State, std::int64_t> Journal::counts_by_state() {
  std::map<State, std::int64_t> counts;
  for (State s : kAllStates) {
    counts[s] = 0;
  }
  std::lock_guard lock(m_);
  Statement st(db_.get(), "SELECT state, COUNT(*) FROM messages GROUP BY state", path_);
  while (st.step()) {
    if (auto s = parse_state(column_text(st.get(), 0))) {
      counts[*s] = sqlite3_column_int64(st.get(), 1);
    }
  }
  return counts;
}

}  // namespace raven::store
