// raven::store::sqlite — the SQLite plumbing under Journal: one connection
// with its statements compiled once, errors that say how to react,
// transactions, and the switch that makes one commit durable.
//
// Why: compiling SQL is the expensive part of a small statement (a profile of
// raven-bench had sqlite3_prepare_v2 at 19 % of Raven's CPU when every call
// compiled its SQL again), and an fsync per commit is the expensive part of a
// write. A Connection compiles each Query once, on first use, and keeps it;
// a commit is synced only inside a SyncedCommit (journal.cpp says which).
//
// Internal to src/store: only journal.cpp includes this. Nothing here locks.
// A Connection and everything taken from it (Statement, Transaction,
// SyncedCommit) must be used by one thread at a time; Journal's mutex ensures
// that. Every function may block on disk I/O; errors throw raven::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace raven::store::sqlite {

// transient for busy/locked/I/O/full, fatal for corruption, not-a-database,
// read-only or unopenable files, permanent otherwise.
ErrorKind kind_of(int rc) noexcept;

// Throws raven::Error ("store: <what> failed for <path>: <sqlite's message>").
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what, const std::string& path,
                       std::optional<ErrorKind> kind = std::nullopt);

// One SQL statement of the journal, declared once with static storage
// duration (`constexpr Query` at namespace scope): the cache is keyed by the
// Query's address, so a query is compiled once per connection whatever its
// text. The text compiled is `prefix` followed by `sql`; values go in only
// through Statement::bind, never into the text.
struct Query {
  std::string_view sql;
  std::string_view prefix = {};  // e.g. a shared "SELECT <columns> FROM messages "
  int min_version = 1;           // the schema version that created what it uses
  bool writes = false;           // refused on a read-only connection
};

class Connection;

// A cached statement lent out for one use. Binds, steps; on destruction it
// is reset and its bindings cleared, so it holds no read transaction and no
// copy of a value once the lease ends. Not copyable, not movable: it lives
// in the scope that uses it.
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  // Copies the text (SQLITE_TRANSIENT): the value need not outlive the lease.
  Statement& bind(int index, const std::string& value);
  // Text with static storage duration (a state's or an error kind's name):
  // bound without a copy.
  Statement& bind_static(int index, std::string_view value);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // True while a row is available; false when done. Throws raven::Error.
  bool step();

  [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  friend class Connection;
  Statement(Connection& connection, sqlite3_stmt* stmt, bool& in_use) noexcept
      : connection_(connection), stmt_(stmt), in_use_(in_use) {}
  void check(int rc);

  Connection& connection_;
  sqlite3_stmt* stmt_;
  bool& in_use_;
};

// One database connection and the statements compiled on it.
class Connection {
 public:
  enum class Mode { read_write, read_only };

  // Opens `path` (read_write creates a missing file; read_only never creates
  // nor writes it) with extended result codes and the busy timeout. NOMUTEX:
  // the caller serialises use. Throws raven::Error (fatal).
  Connection(const std::string& path, Mode mode, std::chrono::milliseconds busy_timeout);
  // Finalizes every cached statement, then closes the connection.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached statement for `query`, compiled now if this is its first use
  // (prepare_v3 with SQLITE_PREPARE_PERSISTENT: it stays for the connection's
  // life). Throws raven::Error: fatal for a writing query on a read-only
  // connection, or when the file's schema is older than query.min_version
  // (the message says which version and that `raven run` upgrades it);
  // std::logic_error if the statement is already lent out (a query used twice
  // at once: a programming error).
  Statement prepare(const Query& query);

  // Runs SQL without values or results (pragmas, DDL) by compiling it now:
  // for one-off statements, and for PRAGMA synchronous, which takes effect
  // when compiled, not when stepped, so it cannot be cached.
  void exec(std::string_view sql, std::optional<ErrorKind> kind = std::nullopt);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  [[nodiscard]] std::int64_t changes() const noexcept;

  [[nodiscard]] sqlite3* get() const noexcept { return db_.get(); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] bool read_only() const noexcept { return mode_ == Mode::read_only; }

  // The file's schema version (PRAGMA user_version), for prepare()'s message
  // about an older file. Set by the opener after reading or migrating it.
  void set_schema_version(int version) noexcept { schema_version_ = version; }

  // Whether commits fsync the WAL (PRAGMA synchronous FULL) or not (NORMAL).
  // Only outside a transaction (SQLite refuses the change inside one). A no-op
  // when this connection already set it so.
  void set_synchronous_full(bool full);

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  struct Cached {
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt;
    bool in_use = false;
  };

  std::string path_;
  Mode mode_;
  int schema_version_ = 0;
  std::optional<bool> synchronous_full_;  // unknown until first set: never assume a default
  std::unique_ptr<sqlite3, Closer> db_;
  // After db_: destroyed (finalized) before the connection closes.
  std::unordered_map<const Query*, Cached> cache_;
};

// BEGIN IMMEDIATE now (the write lock, waiting up to the busy timeout);
// ROLLBACK on destruction unless commit() ran, so an exception leaves the
// file as it was. The three statements are cached like any Query.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

// Makes the commits that run while it lives durable across a power loss or
// an OS crash: PRAGMA synchronous=FULL, so a commit returns only after an
// fsync of the WAL (which also syncs every earlier, unsynced commit: the WAL
// is one file, written in order). Back to NORMAL on destruction. Construct it
// outside any transaction and before it (a Transaction declared after it
// ends first). `needed` false: does nothing.
class SyncedCommit {
 public:
  SyncedCommit(Connection& connection, bool needed);
  // If NORMAL cannot be set again the connection stays FULL: more fsyncs,
  // never fewer; the next SyncedCommit tries again.
  ~SyncedCommit();
  SyncedCommit(const SyncedCommit&) = delete;
  SyncedCommit& operator=(const SyncedCommit&) = delete;

 private:
  Connection& connection_;
  bool needed_;
};

}  // namespace raven::store::sqlite
