// raven::store::Journal — the durable record of every message Raven handles.
//
// Why: the promise "never answer twice, never drop a message" must survive
// crashes, restarts, retries and re-deliveries (issue 4). Every step of the
// reply protocol is written here before it is acted on, so a restarted Raven
// knows where each message stands. This is the only place in Raven with SQL.
//
// Storage: one SQLite file in WAL mode (readers never block the writer),
// schema versioned with PRAGMA user_version and upgraded by ordered
// migrations at open. Each statement is compiled once per Journal and reused.
//
// Durability: every commit survives a crash of the process (SIGKILL
// included). Across a power loss or an OS crash, the commits the reply
// protocol relies on survive too: begin_sending (sending), every transition
// to sending or sent or out of sending, and claim_notice; each returns only
// after an fsync of the WAL, which also makes every earlier commit durable.
// The other commits (seen, answering, done, skipped or failed from seen or
// answering, failures, budgets) are not synced and a power loss may undo
// the newest of them; journal.cpp ("durability") explains, state by state,
// why Raven still does the right thing then. Commits are lost newest first,
// never out of order.
//
// Threading: one Journal per process, shared by all workers. Every member is
// thread-safe (one internal mutex around one connection). Several processes
// (or several Journal objects) may open the same file: SQLite's file locks
// serialise writers and busy_timeout makes a writer wait for the lock instead
// of failing at once. transition() is one conditional UPDATE, so of two
// racers exactly one moves a message.
//
// Blocking: every member does disk I/O (the synced writes above an fsync,
// under the mutex, so other threads wait for it) and may wait up to
// Config::busy_timeout for another process's lock; call them from worker
// threads, never from a latency-sensitive loop.
//
// Read-only: open_read_only() (for `raven status`) neither creates, nor
// migrates, nor writes the file, and takes no write lock; its writing
// members throw raven::Error (fatal).
//
// Errors: the constructor throws raven::Error (fatal) when the file cannot be
// opened, is not a database or has a newer schema. Other members throw
// raven::Error whose kind says how to react: transient for a busy/locked
// database or an I/O error or full disk, fatal for corruption or a read-only
// file, permanent otherwise. Programming errors (an illegal transition) throw
// std::invalid_argument.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "store/config.hpp"
#include "store/state.hpp"

namespace raven::store {

namespace sqlite {
class Connection;
}

// Wall-clock time in Unix milliseconds. Injected so tests control timestamps.
using WallClock = std::function<std::int64_t()>;
// The system clock (std::chrono::system_clock) in Unix milliseconds.
std::int64_t system_now_ms();

// The identity of a message on the server (RFC 3501 2.3.1.1: a UID is only
// meaningful together with the mailbox's UIDVALIDITY).
struct Key {
  std::string mailbox;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  bool operator==(const Key&) const = default;
};

// One message's row.
struct Record {
  Key key;
  std::string message_id;  // of the original message; may be empty
  State state = State::seen;
  std::int64_t attempts = 0;  // failures recorded by record_failure()
  std::optional<std::string> last_error;
  std::optional<ErrorKind> last_error_kind;
  std::optional<std::int64_t> last_failure_ms;  // when record_failure() last ran
  std::optional<std::int64_t> next_attempt_ms;  // retry not before this time
  std::optional<std::string> reply_message_id;
  std::optional<std::string> reason;  // why it was skipped
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

// Optional columns transition() writes together with the new state. Unset
// members leave the column as it is.
struct Fields {
  // `{}` on each member lets designated initializers name only some of them
  // without -Wmissing-field-initializers.
  std::optional<std::string> reason{};
  std::optional<std::string> reply_message_id{};
  std::optional<std::int64_t> next_attempt_ms{};
  bool clear_next_attempt = false;  // wins over next_attempt_ms
};

// The reason stored with a message skipped because a crash left the SMTP
// outcome unknown (answer.on_uncertain: skip). `raven status` lists these: the
// sender may or may not have a reply. Reasons start with this word.
inline constexpr std::string_view kUncertainReason = "uncertain";

// What begin_sending() found.
struct SendClaim {
  bool claimed = false;  // the row is now in state sending: go ahead and submit
  // When not claimed because the same Message-ID was (or may have been)
  // answered under another key: that row.
  std::optional<Record> answered_as;
};

// What the budgets (policy.limits) count, from the journal.
struct Usage {
  std::int64_t replies_by_sender = 0;  // this sender, since `since_ms`
  std::int64_t replies_in_thread = 0;  // this thread, ever
  std::int64_t replies_total = 0;      // everyone, since `since_ms`
  std::int64_t tokens = 0;             // LLM tokens spent since `since_ms`
};

// Whom a message counts for in the budgets (policy::sender_key and
// policy::thread_key): the From addr-spec, lower-case, and the thread's root
// Message-ID. Empty members are stored as empty.
struct Origin {
  std::string sender{};
  std::string thread{};
};

struct SeenResult {
  Record record;
  bool inserted = false;  // false: the key was already in the journal
};

class Journal {
 public:
  // The schema version this code writes; the file's PRAGMA user_version after
  // open. A file with a higher version is refused.
  static int schema_version() noexcept;

  // Opens (creating the parent directories and the file if needed), sets WAL,
  // busy_timeout, synchronous=NORMAL (FULL around the synced commits; see
  // Durability above), foreign_keys=ON, and applies pending
  // migrations in one IMMEDIATE transaction. Throws raven::Error (fatal) on
  // any failure, std::invalid_argument if config.validate() reports problems.
  // Blocks on disk I/O and, during migration, on other writers.
  explicit Journal(const Config& config, WallClock now = system_now_ms);

  // Opens an existing journal to read it (SQLITE_OPEN_READONLY): creates no
  // directory and no file, sets no mode, applies no migration, so it works
  // while `raven run` writes (WAL: a reader does not wait for a writer's
  // transaction, nor makes the writer wait) and never
  // upgrades a file behind the operator's back. A file of an older schema
  // (version 1 or later) is read as it is; a member that needs columns the
  // file lacks throws raven::Error (fatal) naming the file's version and
  // saying that `raven run` upgrades it. Throws raven::Error (fatal) if the
  // file is missing, not a database, of schema version 0 (no journal tables)
  // or newer than schema_version(); std::invalid_argument if
  // config.validate() reports problems. Writing members of the result throw
  // raven::Error (fatal). Blocks on disk I/O. (Returned as a prvalue: a
  // Journal is neither copyable nor movable; write
  // `auto journal = Journal::open_read_only(config);`.)
  static Journal open_read_only(const Config& config, WallClock now = system_now_ms);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Records that `key` was seen, in state seen with its origin, if it is not
  // in the journal; either way returns the row as stored. Idempotent.
  SeenResult record_seen(const Key& key, const std::string& message_id, const Origin& origin = {});

  // The happy path's first write, one transaction: inserts `key` in state
  // answering with its Message-ID and origin, or moves an existing row from
  // seen to answering and stores the origin. False (nothing changed) if the
  // row exists in another state. (record_seen + set_origin + seen ->
  // answering in one commit instead of three; not synced, like them.)
  bool begin_answering(const Key& key, const std::string& message_id, const Origin& origin);

  std::optional<Record> get(const Key& key);

  // Every row with this Message-ID, oldest first: the same mail under another
  // UIDVALIDITY, another UID (delivered twice) or another mailbox. An empty
  // message_id matches nothing.
  std::vector<Record> find_by_message_id(const std::string& message_id);

  // Moves `key` to `to` if, and only if, its current state is one of `from`,
  // writing `fields` in the same UPDATE. Returns false (and changes nothing)
  // if the row is missing or in another state — e.g. another worker or
  // instance got there first. Throws std::invalid_argument if some from -> to
  // is not is_legal_transition() or `from` is empty. Synced (see Durability)
  // when `to` is sending or sent or `from` contains sending.
  bool transition(const Key& key, std::span<const State> from, State to, const Fields& fields = {});
  bool transition(const Key& key, std::initializer_list<State> from, State to, const Fields& fields = {}) {
    return transition(key, std::span<const State>(from.begin(), from.size()), to, fields);
  }

  // Moves `key` from one of `from` to sending with its reply Message-ID, in
  // one IMMEDIATE transaction, unless another row with the same (non-empty)
  // Message-ID was already answered or may have been: state sending, sent or
  // done, or skipped as uncertain. That is the guard against two replies to
  // one mail delivered twice (even to two workers at once, or two processes)
  // or met again after a UIDVALIDITY change. Not claimed and no answered_as:
  // the row is missing or not in a `from` state (someone got there first).
  // Synced: the claim is on disk before this returns, so before the reply
  // can leave. `tokens` (the LLM tokens the reply cost) are added to the
  // row in the same transaction, claimed or not, as add_tokens() would.
  SendClaim begin_sending(const Key& key, std::span<const State> from, const std::string& reply_message_id,
                          std::int64_t tokens = 0);
  SendClaim begin_sending(const Key& key, std::initializer_list<State> from, const std::string& reply_message_id,
                          std::int64_t tokens = 0) {
    return begin_sending(key, std::span<const State>(from.begin(), from.size()), reply_message_id, tokens);
  }

  // Increments attempts and stores the error, its kind, the failure time and
  // the next attempt (nullopt clears it). Does not change the state; the
  // caller transitions (to seen to wait, or to failed). Returns the attempts
  // now recorded, nullopt if there is no row.
  std::optional<std::int64_t> record_failure(const Key& key, ErrorKind kind, const std::string& error,
                                             std::optional<std::int64_t> next_attempt_ms);

  // Stores the reply's Message-ID (derived before sending). False if no row.
  bool set_reply_message_id(const Key& key, const std::string& reply_message_id);

  // Rows in state seen or answering whose next attempt is at or before
  // `now_ms`, earliest first: what intake may dispatch again.
  std::vector<Record> due_retries(std::int64_t now_ms);

  // Rows of `mailbox` under `uidvalidity` in state sending or sent, by UID:
  // a reply committed to whose flags may be set already (a crash between
  // the flag STORE and `done`), so the UNSEEN search no longer finds the
  // message. Intake dispatches these once after connecting so resume()
  // finishes them.
  std::vector<Record> unfinished(const std::string& mailbox, std::uint32_t uidvalidity);

  // Rows in state seen or answering with a next attempt set, earliest first
  // (for `raven status`: next attempt and last error are in each Record).
  std::vector<Record> waiting_retries();

  // The `limit` rows with the most recent record_failure(), newest first.
  std::vector<Record> last_failures(int limit);

  // Budgets. set_origin stores who asked (the From addr-spec, lower-case)
  // and the thread (the root Message-ID of References, else In-Reply-To,
  // else the message's own id); add_tokens adds the LLM tokens a message
  // cost. usage() counts messages for which a reply was committed to
  // (begin_sending: sent or possibly sent) and tokens, since `since_ms`
  // (the thread count is over all time). False if no row.
  bool set_origin(const Key& key, const std::string& sender, const std::string& thread);
  bool add_tokens(const Key& key, std::int64_t tokens);
  Usage usage(const std::string& sender, const std::string& thread, std::int64_t since_ms);
  // When a reply with this Message-ID was committed to (begin_sending), in
  // Unix ms; nullopt if Raven never sent (or began to send) such a reply.
  // Policy uses it to recognise an automaton answering our own reply.
  std::optional<std::int64_t> reply_sent_at(const std::string& reply_message_id);
  // Records that the over-budget notice went to `sender` on `day` (days
  // since the Unix epoch, UTC). True the first time only: at most one
  // notice per sender per day, across restarts and processes. Synced.
  bool claim_notice(const std::string& sender, std::int64_t day);

  // At most `limit` rows in `state`, most recently updated first.
  std::vector<Record> in_state(State state, int limit);

  // Skipped rows whose reason starts with kUncertainReason, newest first.
  std::vector<Record> uncertain(int limit);

  // Every State, with 0 for states no row is in.
  std::map<State, std::int64_t> counts_by_state();

 private:
  enum class Access { read_write, read_only };
  Journal(const Config& config, WallClock now, Access access);
  void open_read_write_connection(const Config& config);
  void open_read_only_connection(const Config& config);

  std::mutex m_;
  // The connection and its compiled statements; guarded by m_.
  std::unique_ptr<sqlite::Connection> db_;
  WallClock now_;
  std::string path_;  // for error messages
};

}  // namespace raven::store
