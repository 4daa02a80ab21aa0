// raven::testing — drive the real `raven` binary as a child process and
// observe what it did: the replies in the SMTP sink, the rows of its journal,
// the flags on the IMAP server.
//
// Why: the journal's promise (issue 4: one reply per message across crashes,
// restarts, retries and re-deliveries) can only be proven on the whole
// program, killed with SIGKILL like `kill -9` or the OOM killer would, and
// judged only by what the outside world saw: messages the SMTP server stored,
// flags on the server, rows in the journal file. The crash test
// (tests/integration/crash_test.cpp) and the chaos test (tests/chaos/) share
// these helpers.
//
// Nothing here is thread-safe; one test thread drives it. Every wait is
// bounded and polls a condition; nothing sleeps in the hope that something
// has happened.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fixture/process.hpp"
#include "imap/config.hpp"
#include "store/journal.hpp"
#include "store/state.hpp"

namespace raven::store {
// Lets GoogleTest print a State by name ("sent") instead of its bytes.
inline void PrintTo(State state, std::ostream* out) {
  *out << to_string(state);
}
}  // namespace raven::store

namespace raven::testing {

class SmtpSink;

// The path of the raven executable this test was built with.
const std::string& raven_binary();

// What goes into the YAML config of a raven under test. Durations use the
// config's Go syntax ("200ms").
struct RavenConfig {
  imap::Config imap;  // e.g. Dovecot::imap_config(): host, port, tls, ca_file, credentials, timeouts
  std::string smtp_host = "127.0.0.1";
  std::uint16_t smtp_port = 0;  // plaintext, no AUTH (the sink's default)
  std::string llm_base_url;
  std::string state_path;  // the journal
  std::string sender_filter = "@example.com";
  std::string on_uncertain = "skip";
  unsigned workers = 2;
  std::string retry_initial = "200ms";
  std::string retry_max = "2s";
  unsigned max_attempts = 8;
  std::string llm_timeout = "10s";
  unsigned llm_max_retries = 1;
  std::string smtp_timeout = "15s";
  std::string log_level = "info";
};

// The YAML text of `config`. Pure.
std::string render_config(const RavenConfig& config);
// Writes it to `path` (truncating). Throws std::runtime_error.
void write_config(const std::string& path, const RavenConfig& config);

// `raven run -c CONFIG`, restarted as often as a test likes. Every run appends
// its stderr (raven's log) to one file, with a marker line between runs.
// Stops exactly the process it started, by pid.
class RavenDaemon {
 public:
  RavenDaemon(std::string config_path, std::string log_path);
  ~RavenDaemon();  // SIGKILL if still running (a failed test must not leave it behind)
  RavenDaemon(const RavenDaemon&) = delete;
  RavenDaemon& operator=(const RavenDaemon&) = delete;

  // Starts it; `crash_at` sets RAVEN_CRASH_AT ("after_sent_copy" or
  // "after_sent_copy:3"), otherwise the variable is removed from the
  // environment. Throws if one is already running.
  void start(std::optional<std::string> crash_at = std::nullopt);
  // Non-blocking: false once it exited (reaped).
  bool running();
  // Waits up to `timeout` for it to exit by itself; its wait status, or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and wait; returns the wait status.
  int kill();
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the wait status.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(20));
  pid_t pid() const;
  int starts() const noexcept { return starts_; }

  const std::string& log_path() const noexcept { return log_path_; }
  // The last `lines` lines of the log (all runs).
  std::string log_tail(std::size_t lines = 60) const;
  // Copies the whole log out of the test's temp dir (which is removed) to
  // $TMPDIR/raven-<label>-<pid>.log, for a failed test; returns that path,
  // or "" if the copy failed.
  std::string keep_log(const std::string& label) const;

 private:
  std::string config_path_;
  std::string log_path_;
  std::optional<Process> process_;
  int starts_ = 0;
};

// A YAML double-quoted scalar: the paths and passwords of a test are plain,
// but a stray quote or backslash must not change the document.
std::string yaml_quoted(std::string_view value);

// A Message-ID without angle brackets and surrounding space, so that ids from
// headers ("<a@b>"), the journal and make_message() compare equal.
std::string bare_message_id(std::string_view id);

// The unfolded value of the first header field `name` (case-insensitive) in
// the header section of `raw`, trimmed; "" when absent.
std::string header_value(std::string_view raw, std::string_view name);

// One reply the SMTP sink accepted.
struct SentReply {
  std::string in_reply_to;  // bare id of the message it answers
  std::string message_id;   // bare id of the reply
  std::string recipient;
};
std::vector<SentReply> sent_replies(const SmtpSink& sink);
// bare In-Reply-To → number of replies.
std::map<std::string, int> replies_by_original(const SmtpSink& sink);

// Reads raven's journal with the store API, from the test process, while
// raven (another process) writes it. Opens the file lazily, once it exists,
// so the test never creates it first. Every read returns nullopt while the
// file does not exist yet or the database is busy.
class JournalReader {
 public:
  explicit JournalReader(std::string path);
  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Every row, in no particular order.
  std::optional<std::vector<store::Record>> rows();
  // The rows whose bare Message-ID is `message_id`.
  std::optional<std::vector<store::Record>> rows_for(std::string_view message_id);
  // Skipped-as-uncertain rows, as Journal::uncertain() lists them.
  std::optional<std::vector<store::Record>> uncertain();

 private:
  store::Journal* journal();
  std::string path_;
  std::unique_ptr<store::Journal> journal_;
};

// "mailbox/uidvalidity/uid state (reason) attempts=N last_error=…" for failure messages.
std::string describe(const store::Record& record);
std::string describe(const std::vector<store::Record>& records);

// One message in an IMAP mailbox.
struct MailboxMessage {
  std::uint32_t uid = 0;
  std::string message_id;   // bare
  std::string in_reply_to;  // bare
  std::vector<std::string> flags;
  bool has_flag(std::string_view flag) const;  // case-insensitive
};
struct MailboxSnapshot {
  std::uint32_t uidvalidity = 0;
  std::vector<MailboxMessage> messages;
  // The messages whose bare Message-ID is `message_id`.
  std::vector<MailboxMessage> with_id(std::string_view message_id) const;
  // The messages whose bare In-Reply-To is `message_id`.
  std::vector<MailboxMessage> replying_to(std::string_view message_id) const;
};
// Logs in with `config`, SELECTs `mailbox` and fetches the flags and the
// header of every message. Blocks; throws raven::Error.
MailboxSnapshot read_mailbox(const imap::Config& config, const std::string& mailbox);

// "\\Seen $RavenSkipped" for failure messages.
std::string join_flags(const std::vector<std::string>& flags);

// Polls `condition` every `pause` until it returns true (→ true) or
// `timeout` has passed (→ false, after one last try).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds pause = std::chrono::milliseconds(100));

}  // namespace raven::testing
