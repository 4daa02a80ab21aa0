// raven::bench — the three measurements of issue 7, one run each.
//
// throughput: N messages are delivered while Raven is stopped; then Raven
//   starts with 4 workers and the clock runs until the sink has a reply to
//   every one. Raven's CPU (user + system, all threads) and peak RSS (VmHWM)
//   come from /proc when the last reply is in and Raven has gone quiet; the
//   servers' CPU is the growth of their process trees' counters over the same
//   span.
// latency: Raven runs, connected and idle (after a warm-up that has every
//   worker open its connections); messages arrive one every 200 ms. Stock
//   Dovecot 2.3 holds an IDLE notice back for a hard-coded 500 ms after the
//   first change it sees (NOTIFY_DELAY_MSECS, src/lib-storage/
//   mailbox-watch.c; no setting), and then announces everything that arrived
//   meanwhile at once. Each message's latency therefore runs from the moment
//   Raven's intake dispatched its UID (its `dispatched` debug log line, which
//   follows the notice, DONE and one UID SEARCH) to the moment the sink
//   stored the reply. The end-to-end figure from delivery and the delivery →
//   dispatch span (Dovecot's delay as Raven saw it) are reported beside it.
//   A second IDLE client cannot stand in for Raven's notice: Dovecot's timer
//   runs per session and restarts whenever Raven re-enters IDLE, so two
//   sessions are told at different moments (measured: up to 450 ms apart).
//   Where that time went comes from Raven's `answer steps` debug line for
//   each measured message (the wall time of each step: fetch, parse, ...,
//   smtp, ..., done): each step's p50, and the p50 of its steps summed by
//   kind (step_kind) until the sink accepted the reply and after.
// big mail: Raven, warm and idle, gets one message with a 25 MB attachment;
//   what Dovecot sent it meanwhile (the kernel's TCP byte counts, read with
//   `ss`; and Dovecot's own out=/body_bytes= for the whole run) and
//   how its RSS moved while answering it (sampled every 5 ms).
//
// Each function builds a fresh Rig (servers, journal) and tears it down.
// Blocking; throws std::runtime_error when a run cannot be completed (Raven
// died, no replies in time), with Raven's log tail in the message.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "replies.hpp"
#include "rig.hpp"

namespace raven::bench {

struct Settings {
  std::string raven_binary;
  unsigned workers = 4;
  unsigned queue = 0;  // answer.queue; 0: Raven's default
  std::size_t throughput_messages = 1000;
  std::size_t latency_messages = 50;
  std::chrono::milliseconds latency_gap{200};
  std::size_t big_attachment_bytes = std::size_t{25} * 1000 * 1000;
  bool verbose = false;     // progress lines on stderr
  bool trace = false;       // latency: one stderr line per message (delivered, dispatched, reply)
  std::string keep_dir;     // non-empty: keep each run's logs and config there (RigOptions::keep_dir)
  std::string journal_dir;  // non-empty: put Raven's journal there (RigOptions::journal_dir)
};

struct ThroughputResult {
  std::size_t messages = 0;
  double deliver_s = 0;  // pre-delivery over LMTP (not part of the figures)
  double wall_s = 0;     // raven started → last reply stored
  double msgs_per_s = 0;
  double raven_cpu_s = 0;
  double cpu_ms_per_msg = 0;
  double peak_rss_mb = 0;         // VmHWM, MiB
  double rss_anon_mb = 0;         // RssAnon at the end: heap and stacks (the rest of VmRSS is mapped files)
  ServerCpu servers;              // CPU seconds over the run
  double servers_ms_per_msg = 0;  // all three servers together
  double servers_share = 0;       // servers / (servers + raven)
  ImapBytes imap;                 // Dovecot's count for Raven's sessions
  std::size_t missing = 0, duplicates = 0, strays = 0;
};

struct LatencyResult {
  std::size_t messages = 0;
  double p50_ms = 0, p95_ms = 0, max_ms = 0;              // Raven dispatched → reply stored
  double e2e_p50_ms = 0, e2e_p95_ms = 0, e2e_max_ms = 0;  // delivered → reply stored
  double notice_p50_ms = 0, notice_max_ms = 0;            // delivered → dispatched (Dovecot's delay)
  // From the `answer steps` line of each measured message (all empty when
  // Raven's log has none). Milliseconds, p50 over the messages.
  std::size_t stepped = 0;  // measured messages with such a line
  Figures step_p50_ms;      // each step, in the line's order (fetch, parse, ..., smtp, ..., done)
  // Each message's steps summed by kind ("raven", "journal sync", "servers"):
  // until the sink accepted the reply (the steps through smtp, inside the
  // latency above) and after it (sent_copy, sent, flags, done: the worker is
  // still busy, the sender no longer waits).
  Figures until_accepted_p50_ms;
  Figures after_accepted_p50_ms;
  std::size_t missing = 0, duplicates = 0, strays = 0;
};

struct BigMailResult {
  std::size_t message_bytes = 0;
  double seconds = 0;  // delivered → reply stored
  unsigned long long raven_read =
      0;                     // TCP bytes Dovecot sent Raven's IMAP connections while it answered (ss)
  ImapBytes imap;            // whole run, all of Raven's sessions (warm-up included)
  double rss_before_mb = 0;  // VmRSS, warm and idle
  double rss_peak_mb = 0;    // highest VmRSS sampled while answering
  double rss_after_mb = 0;   // VmRSS once quiet again
  double rss_change_mb = 0;  // peak - before
  std::size_t missing = 0, duplicates = 0, strays = 0;
};

// What a step of Raven's `answer steps` line spends its time on: "servers"
// (round trips to Dovecot's IMAP, the LLM stand-in or the SMTP sink: fetch,
// llm, smtp, sent_copy, flags), "journal sync" (claim and sent hold the
// journal's fdatasync) or "raven" (its own CPU work: parse, journal, policy,
// compose, done). Empty for a step not listed here: it is left out of the
// sums by kind, so a new step has to be placed here.
std::string_view step_kind(std::string_view step);

ThroughputResult run_throughput(const Settings& settings, int run);
LatencyResult run_latency(const Settings& settings, int run);
BigMailResult run_bigmail(const Settings& settings, int run);

}  // namespace raven::bench
