// raven::tool::run — runs one tool call as a subprocess, safely and bounded.
//
// Why each choice (DESIGN.md, "Limits on everything"; docs/tools.md):
//  - posix_spawn of the program resolved at load (never posix_spawnp, never a
//    shell), in a process group of its own, so that a timeout or a stop
//    reaches whatever the tool started too (raven::ChildProcess,
//    common/child_process.hpp);
//  - an environment of exactly: the tool's env, PATH (env's or
//    kDefaultPath), RAVEN_SENDER, RAVEN_MESSAGE_ID, RAVEN_SUBJECT (control
//    characters replaced by spaces, at most 998 bytes). Raven's own
//    variables, API keys included, never reach a tool;
//  - every fd but 0, 1, 2 closed in the child (closefrom, and O_CLOEXEC on
//    ours); the signal mask emptied and dispositions reset to default;
//  - stdin /dev/null, or a pipe carrying the JSON arguments, written without
//    ever blocking (a child that never reads it is not waited on forever);
//  - stdout kept up to max_output, then read and dropped (the result is
//    marked truncated) up to RunOptions::discard_limit more bytes, after
//    which the tool is stopped; stderr's last stderr_limit bytes kept for
//    the log (never given to the model);
//  - at `timeout`, at a stop request, or past the discard limit: SIGTERM to
//    the group, SIGKILL to the group after `grace`. When the program exits,
//    whatever it left in its group is SIGKILLed. The child is always reaped.
//  - sandbox bwrap: the program runs under /usr/bin/bwrap with a read-only
//    root, /dev, /proc, a private /tmp, every namespace unshared (the network
//    too unless `network: true`), a new session, and working_dir (if any)
//    bound writable.
//
// Blocking: run() blocks until the tool is done, at most timeout + grace
// (+ about 1 s to collect output a stray process holds open). Thread-safe: any
// number of threads may run tools at once; each call owns its pipes and
// child. It never changes process-wide state (signal dispositions included).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tool/config.hpp"
#include "tool/tool.hpp"

namespace raven::tool {

// The message being answered, for the RAVEN_* variables.
struct Context {
  std::string sender;      // bare address, "alice@example.com"
  std::string message_id;  // as in the header, "<abc@example.com>"
  std::string subject;     // decoded
};

struct RunOptions {
  std::chrono::milliseconds grace{std::chrono::seconds(2)};  // SIGTERM → SIGKILL
  std::size_t stderr_limit = std::size_t{8} << 10;           // tail kept for the log
  // stdout bytes read and dropped past max_output before the tool is stopped.
  std::size_t discard_limit = std::size_t{16} << 20;
};

// Why Raven stopped the tool, if it did.
enum class Stop { none, timeout, output_limit, cancelled };
std::string_view to_string(Stop stop) noexcept;

struct Result {
  enum class Status {
    ran,      // the program ran (whatever its exit status)
    refused,  // nothing ran: unknown tool, bad arguments (see `error`)
    failed,   // nothing ran: it could not be started, or a stop came first (see `error`)
  };
  Status status = Status::refused;
  std::string error;  // refused / failed: why, a sentence fit for the model

  std::optional<int> exit_code;  // when it exited
  std::optional<int> signal;     // when a signal ended it
  Stop stopped = Stop::none;
  std::string output;                     // stdout, at most max_output bytes (may be invalid UTF-8)
  bool truncated = false;                 // stdout had more than max_output bytes
  std::size_t output_bytes = 0;           // stdout bytes read in all
  std::string stderr_tail;                // the last stderr_limit bytes of stderr, for the log
  std::chrono::milliseconds duration{0};  // spawn to reaped

  bool timed_out() const noexcept { return stopped == Stop::timeout; }
  // Ran, exited 0, and was not stopped.
  bool ok() const noexcept { return status == Status::ran && exit_code == 0 && stopped == Stop::none; }
};

// Checks `arguments` (tool.prepare()) and runs the tool. A refusal or a spawn
// failure is a Result, not an exception; a stop already requested runs
// nothing. Never throws (bar std::bad_alloc).
Result run(const Tool& tool, const nlohmann::json& arguments, const Context& context, std::stop_token stop,
           const RunOptions& options = {});

// The same for a Spec not loaded yet (loads it first: resolves, compiles).
// Throws raven::Error (fatal) if the spec is invalid.
Result run(const Spec& spec, const nlohmann::json& arguments, const Context& context, std::stop_token stop,
           const RunOptions& options = {});

// Runs a prepared invocation of `tool` (no argument checks; for tests and
// for callers that prepared already).
Result run_invocation(const Tool& tool, const Invocation& invocation, const Context& context,
                      std::stop_token stop, const RunOptions& options = {});

// The environment a run gets, as "NAME=value" entries (exposed for tests).
std::vector<std::string> child_environment(const Spec& spec, const Context& context);

// The argv actually executed: `invocation.argv` with the resolved program,
// wrapped in bwrap for sandbox: bwrap (exposed for tests).
std::vector<std::string> spawn_argv(const Tool& tool, const Invocation& invocation);

// `text` with control characters (C0, DEL) replaced by spaces and cut to
// `limit` bytes at a UTF-8 boundary: safe as an environment value.
std::string sanitize_env_value(std::string_view text, std::size_t limit = 998);

}  // namespace raven::tool
