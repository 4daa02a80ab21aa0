// password_command: run a program, take its stdout as the secret.
//
// Why this shape: posix_spawnp, not fork+exec, because the loading thread may
// not be the only one; a process group of its own so that a timeout kills
// what the command started too (`sh -c "sleep 30"` leaves sleep holding the
// pipe otherwise); stdin /dev/null so a command that prompts fails instead of
// hanging; SIGPIPE reset to default because Raven ignores it process-wide
// (DESIGN.md pitfall) and ignored dispositions survive exec.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>
#include <thread>

#include "config/fd.hpp"
#include "config/secrets.hpp"
#include "log/log.hpp"

extern char** environ;

namespace raven::config::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Enough of stderr for its first line; the rest is drained and dropped.
constexpr std::size_t kMaxStderrBytes = 4096;
constexpr std::size_t kMaxStderrLine = 200;

std::string reason(int error) {
  return std::system_category().message(error);
}

struct Pipe {
  Fd read;
  Fd write;
};

bool make_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read.reset(fds[0]);
  p.write.reset(fds[1]);
  return true;
}

class FileActions {
 public:
  FileActions() { ::posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
 public:
  SpawnAttributes() { ::posix_spawnattr_init(&attributes_); }
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_{};
};

// The first line of stderr, trimmed, printable, bounded, and withheld if it
// repeats any line of stdout (which is the secret).
std::string first_line(const std::string& err, const std::string& out) {
  std::string line = err.substr(0, err.find('\n'));
  std::string clean;
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) clean += c;
  }
  auto b = clean.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  clean = clean.substr(b, clean.find_last_not_of(' ') - b + 1);
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string piece = out.substr(start, end - start);
    if (piece.ends_with('\r')) piece.pop_back();
    if (!piece.empty() && clean.find(piece) != std::string::npos) {
      return "(stderr withheld: it repeats the command's output)";
    }
    start = end + 1;
  }
  if (clean.size() > kMaxStderrLine) clean = clean.substr(0, kMaxStderrLine) + "…";
  return clean;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

struct Outcome {
  std::string out;
  std::string err;
  bool timed_out = false;
  bool too_much = false;
  int status = 0;
};

// Reads both pipes until EOF, the deadline, or too much stdout.
void drain(Fd& out_fd, Fd& err_fd, Clock::time_point deadline, Outcome& o) {
  char buffer[4096];
  while (out_fd.valid() || err_fd.valid()) {
    const int wait = remaining_ms(deadline);
    if (wait == 0) {
      o.timed_out = true;
      return;
    }
    pollfd fds[2]{{out_fd.get(), POLLIN, 0}, {err_fd.get(), POLLIN, 0}};  // fd -1 is skipped
    const int ready = ::poll(fds, 2, wait);
    if (ready < 0 && errno != EINTR) {
      o.timed_out = true;  // cannot wait any more; treat as a failure to finish
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      Fd& fd = i == 0 ? out_fd : err_fd;
      const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        fd.reset();
        continue;
      }
      const auto size = static_cast<std::size_t>(n);
      if (i == 0) {
        if (o.out.size() + size > kMaxSecretBytes) {
          o.too_much = true;
          return;
        }
        o.out.append(buffer, size);
      } else if (o.err.size() < kMaxStderrBytes) {
        o.err.append(buffer, std::min(size, kMaxStderrBytes - o.err.size()));
      }
    }
  }
}

// Waits for `pid` until the deadline; false if it is still running.
bool wait_until(pid_t pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more: nothing to wait for
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void kill_and_reap(pid_t pid, int& status) {
  ::kill(-pid, SIGKILL);  // the group: whatever the command started
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::vector<std::string> shell_argv(const std::string& command) {
  return {"/bin/sh", "-c", command};
}

SecretResult run_secret_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                const std::string& cwd) {
  if (argv.empty() || argv[0].empty()) return {std::nullopt, "names no program"};
  const std::string program = "\"" + argv[0] + "\"";

  Pipe out;
  Pipe err;
  if (!make_pipe(out) || !make_pipe(err))
    return {std::nullopt, "cannot run " + program + ": " + reason(errno)};

  FileActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), err.write.get(), STDERR_FILENO);
  if (!cwd.empty()) ::posix_spawn_file_actions_addchdir_np(actions.get(), cwd.c_str());

  SpawnAttributes attributes;
  sigset_t empty;
  sigset_t defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, sig);
  ::posix_spawnattr_setflags(attributes.get(),
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(attributes.get(), 0);
  ::posix_spawnattr_setsigmask(attributes.get(), &empty);
  ::posix_spawnattr_setsigdefault(attributes.get(), &defaults);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const auto deadline = Clock::now() + timeout;
  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawnp(&pid, argv[0].c_str(), actions.get(), attributes.get(), args.data(), environ);
  if (spawn_error != 0) return {std::nullopt, "cannot run " + program + ": " + reason(spawn_error)};
  out.write.reset();
  err.write.reset();

  Outcome o;
  drain(out.read, err.read, deadline, o);
  if (!o.timed_out && !o.too_much && !wait_until(pid, deadline, o.status)) o.timed_out = true;
  if (o.timed_out || o.too_much) kill_and_reap(pid, o.status);

  if (o.timed_out) {
    return {std::nullopt,
            "did not finish within " + log::Field::format_duration(timeout) + " and was killed"};
  }
  if (o.too_much) return {std::nullopt, "printed more than 64 KiB"};

  const std::string detail = first_line(o.err, o.out);
  const std::string suffix = detail.empty() ? "" : ": " + detail;
  if (WIFSIGNALED(o.status)) {
    const int sig = WTERMSIG(o.status);
    const char* name = ::sigabbrev_np(sig);
    return {std::nullopt, "was killed by signal " + std::to_string(sig) +
                              (name != nullptr ? " (SIG" + std::string(name) + ")" : "") + suffix};
  }
  if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
    return {std::nullopt, "exited with status " + std::to_string(WEXITSTATUS(o.status)) + suffix};
  }
  strip_one_newline(o.out);
  if (o.out.empty()) return {std::nullopt, "printed nothing" + suffix};
  return {std::move(o.out), {}};
}

}  // namespace raven::config::detail
