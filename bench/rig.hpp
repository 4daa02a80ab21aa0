// raven::bench::Rig — one benchmark run's world: the private servers the
// integration tests use, and the real `raven run` pointed at them.
//
// Why: the figures must come from the program users run, talking real
// protocols to real servers, on loopback so that the network adds nothing:
// a private Dovecot (tests/fixture/dovecot.hpp: IMAPS with a throw-away CA,
// LMTP for delivery, Maildir in a temp dir), the aiosmtpd sink
// (tests/support/smtp_sink.py) and the LLM stand-in (tests/support/
// llm_standin.py) answering every request at once with the same short
// Markdown reply. Each run gets fresh servers and a fresh journal, so runs do
// not see each other's mail.
//
// Raven gets a config like demo/demo_main.cpp's: IMAP over implicit TLS with
// the fixture's CA, IDLE, the allow-list @example.com, answer.mode send with
// a copy to Sent, SMTP without TLS to the sink, the journal in the rig's temp
// dir (on the same disk as /tmp: its fsyncs are real), logs as text.
//
// Everything is stopped by pid in the destructor. Not thread-safe, except
// deliver_all(), which delivers from several threads of its own.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fixture/dovecot.hpp"
#include "fixture/net.hpp"
#include "fixture/process.hpp"
#include "llm_standin.hpp"
#include "support/smtp_sink.hpp"

namespace raven::bench {

struct RigOptions {
  std::string raven_binary;
  unsigned workers = 4;
  unsigned queue = 0;              // answer.queue; 0: Raven's default (16)
  std::string log_level = "info";  // "debug" logs each dispatched UID with a timestamp
  std::string keep_dir;            // non-empty: the destructor copies the logs and config to keep_dir/label/
  std::string label;               // e.g. "throughput-1"
  std::string journal_dir;  // non-empty: the journal goes there (e.g. a tmpfs, to see what its fsyncs cost)
};

// CPU seconds the servers had used at one moment (each since it started).
struct ServerCpu {
  double dovecot = 0;  // the master and every process under it (imap, lmtp, auth, ...)
  double sink = 0;
  double llm = 0;
};

// What Dovecot's IMAP sessions logged when they ended (the default
// imap_logout_format: "in=N out=M ... hdr_bytes=H body_bytes=B").
struct ImapBytes {
  std::uint64_t in = 0;          // bytes the client sent
  std::uint64_t out = 0;         // bytes Dovecot sent: what Raven fetched, plus protocol
  std::uint64_t hdr_bytes = 0;   // header bytes fetched (imap_logout_format's fetch_hdr_bytes)
  std::uint64_t body_bytes = 0;  // body bytes fetched (fetch_body_bytes): sections and partials included
  int sessions = 0;
};

class Rig {
 public:
  explicit Rig(RigOptions options);  // starts the servers; throws std::runtime_error
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  testing::Dovecot& dovecot() { return dovecot_; }
  const testing::SmtpSink& sink() const { return sink_; }

  // Delivers every message over LMTP from `threads` threads; blocks until
  // all are delivered. Throws the first delivery error.
  void deliver_all(const std::vector<std::string>& messages, unsigned threads) const;

  // Writes raven.yaml and starts `raven run`. Throws if it is running.
  void start_raven();
  pid_t raven_pid() const;
  bool raven_running();
  // SIGTERM, then waits (SIGKILL after 20 s). Returns its exit description.
  std::string stop_raven();
  // Blocks until a line of Raven's log contains `needle` (→ true), or
  // `timeout` passes or Raven exits (→ false).
  bool wait_for_log(std::string_view needle, std::chrono::milliseconds timeout);
  std::string raven_log() const;
  std::string raven_log_tail(std::size_t lines = 30) const;

  ServerCpu server_cpu() const;

  // Dovecot's log size now: pass it to imap_bytes_since() to count only the
  // sessions that end after this moment.
  std::uintmax_t dovecot_log_offset() const;
  // Sums in=/out= over the IMAP sessions that ended after `offset`. Waits
  // until the log has been quiet for 700 ms (at most 5 s), so call it after
  // the client disconnected.
  ImapBytes imap_bytes_since(std::uintmax_t offset) const;
  // Bytes Dovecot has sent so far on each open connection to its IMAPS port,
  // by the client's port: the kernel's TCP count (bytes_acked, TLS records
  // included), read with `ss -ti`. Diff two readings for what Raven received
  // in between on connections that stayed open. Empty if ss is missing.
  std::map<std::string, std::uint64_t> imaps_bytes_sent() const;

 private:
  std::string raven_config() const;
  void keep_files() const;

  RigOptions options_;
  testing::TempDir dir_{"raven-bench"};
  std::string own_journal_dir_;  // made inside options_.journal_dir, when given; removed by the destructor
  testing::Dovecot dovecot_;
  testing::SmtpSink sink_;
  testing::LlmStandin llm_;
  pid_t llm_pid_ = -1;                     // LlmStandin does not say; found among our children
  std::optional<testing::Process> raven_;  // last: stopped before the servers
};

}  // namespace raven::bench
