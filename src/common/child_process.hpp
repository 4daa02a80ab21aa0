// raven::ChildProcess — a program started in a process group of its own, and
// the ways to stop and reap it. Used by password_command (config) and by
// tools (tool).
//
// What every child of Raven gets, and why:
//  - posix_spawn, never fork: other threads are running;
//  - a new process group (pgid = its pid), so that a stop reaches whatever it
//    started too (`sh -c "sleep 30"` would otherwise leave sleep holding the
//    pipes);
//  - stdin, stdout, stderr as the caller arranges them, /dev/null otherwise,
//    and every other fd closed (closefrom: what another thread opened without
//    O_CLOEXEC does not leak);
//  - an empty signal mask and every disposition reset to default: ignored
//    dispositions survive exec, and Raven ignores SIGPIPE process-wide.
// How long to wait, how much output to read, which environment to give and
// how to notice the exit (poll, pidfd) stay with the callers.
//
// The group can be signalled race-free until the child is reaped: until then
// its pid (and so its pgid) cannot be reused. A stop is SIGTERM to the group,
// then SIGKILL to the group once a grace period has passed; the caller's loop
// drives it (terminate(), escalate(), kill_due()) so that it can keep reading
// the pipes meanwhile.
//
// Thread-safety: one ChildProcess is used by one thread at a time. Nothing
// here changes process-wide state. Never throws (bar std::bad_alloc).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "common/unique_fd.hpp"

namespace raven {

// Both ends of a pipe.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// Opens a pipe with both ends O_CLOEXEC (a child gets an end only through
// SpawnOptions, as its stdin, stdout or stderr). False, with errno set, on
// failure. Does not block.
bool make_pipe(Pipe& pipe) noexcept;

struct SpawnOptions {
  std::string program;            // the file executed (with search_path, a name looked up in PATH)
  bool search_path = false;       // posix_spawnp instead of posix_spawn
  std::vector<std::string> argv;  // argv[0] included
  std::optional<std::vector<std::string>> env;  // "NAME=value" entries; nullopt: Raven's own environment
  std::string working_dir;                      // empty: Raven's
  // The child's 0, 1 and 2 (dup2'ed, so the caller keeps and closes its
  // own); -1: /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// How a child ended.
struct ExitStatus {
  std::optional<int> code;    // it exited with this status
  std::optional<int> signal;  // a signal ended it
  // Neither: someone else reaped it (SIGCHLD set to SIG_IGN, or a waitpid(-1)
  // elsewhere), and its status is lost.
};

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  ChildProcess() noexcept = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A child not reaped yet is killed (kill()) and reaped: none outlives its
  // owner, none is left a zombie. Blocks only for that.
  ~ChildProcess();

  // Starts the program as the header describes. Blocks only for the spawn.
  // Returns the error (ENOENT, EACCES, …) if nothing started. Call once.
  [[nodiscard]] std::error_code spawn(const SpawnOptions& options);

  // Started and not reaped yet: the group may be signalled.
  bool active() const noexcept { return pid_ > 0; }
  // The child's pid, which is also its process group id; -1 when not active.
  pid_t pid() const noexcept { return pid_; }

  // Sends `sig` to the child's process group; nothing when not active.
  void signal_group(int sig) noexcept;
  // Starts a stop: SIGTERM to the group now, and SIGKILL due `grace` after
  // `now` (escalate() sends it). Only the first call acts.
  void terminate(std::chrono::milliseconds grace, Clock::time_point now) noexcept;
  // Sends the SIGKILL that terminate() made due, once `now` reaches it.
  void escalate(Clock::time_point now) noexcept;
  // When escalate() will send SIGKILL: set from terminate() until it is sent.
  std::optional<Clock::time_point> kill_due() const noexcept { return kill_at_; }
  // SIGKILL to the group and to the child itself (should it have left the
  // group), now. Does not wait; reap() does.
  void kill() noexcept;

  // Does not block. True once the child has exited; it stays a zombie, so its
  // group can still be signalled, until reap(). Also true if someone else
  // reaped it: then it is no longer active, and reap() reports a lost status.
  // False while it runs (or when interrupted by a signal: ask again).
  bool has_exited() noexcept;
  // Blocks until the child exits (at once after has_exited()), reaps it and
  // says how it ended. Afterwards the child is no longer active.
  ExitStatus reap() noexcept;

 private:
  pid_t pid_ = -1;
  bool terminating_ = false;
  std::optional<Clock::time_point> kill_at_;
};

}  // namespace raven
