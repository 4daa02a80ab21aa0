#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace raven::store::sqlite {

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

void fail(sqlite3* db, int rc, std::string_view what, const std::string& path,
          std::optional<ErrorKind> kind) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(kind.value_or(kind_of(rc)), "store: " + std::string(what) + " failed for " + path + ": " +
                                              detail + " (sqlite code " + std::to_string(rc) + ")");
}

// ---- Statement ----------------------------------------------------------------

Statement::~Statement() {
  // reset ends the statement's read (or write) of the database, which would
  // otherwise pin a WAL snapshot and hold back checkpoints; its return value
  // repeats the last step's error, already reported. clear_bindings drops the
  // copies of bound values (message text) until the next use.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  in_use_ = false;
}

void Statement::check(int rc) {
  if (rc != SQLITE_OK) {
    fail(connection_.get(), rc, "bind", connection_.path());
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC));
  return *this;
}

Statement& Statement::bind_null(int index) {
  check(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  fail(connection_.get(), rc, "step", connection_.path());
}

// ---- Connection ---------------------------------------------------------------

void Connection::Closer::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close if a statement were still alive; the cache is
  // finalized first, so none is.
  sqlite3_close_v2(db);
}

void Connection::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

Connection::Connection(const std::string& path, Mode mode, std::chrono::milliseconds busy_timeout)
    : path_(path), mode_(mode) {
  // NOMUTEX: the Journal's mutex serialises use of the connection.
  const int flags =
      (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // even on failure sqlite3_open_v2 may allocate a handle
  if (rc != SQLITE_OK) {
    fail(db_.get(), rc, "open", path_, ErrorKind::fatal);
  }
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
}

Connection::~Connection() {
  cache_.clear();  // finalize before close, explicitly rather than by member order
}

Statement Connection::prepare(const Query& query) {
  auto [it, fresh] = cache_.try_emplace(&query);
  Cached& cached = it->second;
  if (!cached.stmt) {
    if (query.writes && read_only()) {
      cache_.erase(it);
      throw Error(ErrorKind::fatal, "store: " + path_ + " is open read-only; it cannot be written");
    }
    std::string text;
    text.reserve(query.prefix.size() + query.sql.size());
    text.append(query.prefix).append(query.sql);
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), text.data(), static_cast<int>(text.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      cache_.erase(it);
      if ((rc & 0xff) == SQLITE_ERROR && schema_version_ < query.min_version) {
        // "no such column/table" on a file older than the query: only a
        // read-only connection meets one (a writer migrates at open).
        throw Error(ErrorKind::fatal,
                    "store: " + path_ + " has schema version " + std::to_string(schema_version_) +
                        ", and this needs version " + std::to_string(query.min_version) +
                        " or later; `raven run` upgrades it (" + sqlite3_errmsg(db_.get()) + ")");
      }
      fail(db_.get(), rc, "prepare", path_);
    }
    cached.stmt.reset(raw);
  }
  if (cached.in_use) {
    throw std::logic_error("store: a cached statement was used twice at once: " + std::string(query.sql));
  }
  cached.in_use = true;
  return Statement(*this, cached.stmt.get(), cached.in_use);
}

void Connection::exec(std::string_view sql, std::optional<ErrorKind> kind) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(kind.value_or(kind_of(rc)),
                "store: " + std::string(sql.substr(0, 40)) + " failed for " + path_ + ": " + detail);
  }
}

std::int64_t Connection::changes() const noexcept {
  return sqlite3_changes64(db_.get());
}

void Connection::set_synchronous_full(bool full) {
  if (synchronous_full_ == full) {
    return;
  }
  // Not a cached statement: PRAGMA synchronous changes the level while it is
  // compiled, so stepping a kept statement again would not change it back.
  // Compiling this pragma is a few microseconds.
  exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  synchronous_full_ = full;
}

// ---- Transaction ----------------------------------------------------------------

namespace {
constexpr Query kBegin{.sql = "BEGIN IMMEDIATE", .min_version = 0, .writes = true};
constexpr Query kCommit{.sql = "COMMIT", .min_version = 0, .writes = true};
constexpr Query kRollback{.sql = "ROLLBACK", .min_version = 0, .writes = true};
}  // namespace

Transaction::Transaction(Connection& connection) : connection_(connection) {
  // IMMEDIATE takes the write lock now (waiting up to busy_timeout), so what
  // the transaction reads cannot go stale before it writes.
  connection_.prepare(kBegin).step();
}

Transaction::~Transaction() {
  if (!done_) {
    try {
      connection_.prepare(kRollback).step();
    } catch (...) {  // NOLINT(bugprone-empty-catch)
      // Nothing more to do: if ROLLBACK fails, SQLite has already rolled
      // back (an I/O error or a full disk ends the transaction itself).
    }
  }
}

void Transaction::commit() {
  connection_.prepare(kCommit).step();
  done_ = true;
}

// ---- SyncedCommit ---------------------------------------------------------------

SyncedCommit::SyncedCommit(Connection& connection, bool needed) : connection_(connection), needed_(needed) {
  if (needed_) {
    connection_.set_synchronous_full(true);
  }
}

SyncedCommit::~SyncedCommit() {
  if (needed_) {
    try {
      connection_.set_synchronous_full(false);
    } catch (...) {  // NOLINT(bugprone-empty-catch)
      // Stays FULL (see the header): safe, only slower.
    }
  }
}

}  // namespace raven::store::sqlite
