// password_command: run a program, take its stdout as the secret.
//
// Why this shape: a raven::ChildProcess (common/child_process.hpp), so
// posix_spawnp in a process group of its own, stdin /dev/null so that a
// command that prompts fails instead of hanging, other fds closed and signal
// dispositions reset. The policy is this file's: the output bounds, and at the
// deadline SIGKILL to the whole group at once (`sh -c "sleep 30"` leaves sleep
// holding the pipe otherwise), with no grace: a secret command has nothing to
// clean up.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include "common/child_process.hpp"
#include "config/secrets.hpp"
#include "log/log.hpp"

namespace raven::config::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Enough of stderr for its first line; the rest is drained and dropped.
constexpr std::size_t kMaxStderrBytes = 4096;
constexpr std::size_t kMaxStderrLine = 200;

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
  ExitStatus status;
};

// Reads both pipes until EOF, the deadline, or too much stdout.
void drain(UniqueFd& out_fd, UniqueFd& err_fd, Clock::time_point deadline, Outcome& o) {
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
      UniqueFd& fd = i == 0 ? out_fd : err_fd;
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

// Waits for the child until the deadline; false if it is still running.
bool wait_until(ChildProcess& child, Clock::time_point deadline, ExitStatus& status) {
  while (!child.has_exited()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  status = child.reap();
  return true;
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
    return {std::nullopt, "cannot run " + program + ": " + std::system_category().message(errno)};

  SpawnOptions options;
  options.program = argv[0];
  options.search_path = true;
  options.argv = argv;
  options.working_dir = cwd;
  options.stdout_fd = out.write.get();
  options.stderr_fd = err.write.get();

  const auto deadline = Clock::now() + timeout;
  ChildProcess child;
  if (const std::error_code error = child.spawn(options))
    return {std::nullopt, "cannot run " + program + ": " + error.message()};
  out.write.reset();
  err.write.reset();

  Outcome o;
  drain(out.read, err.read, deadline, o);
  if (!o.timed_out && !o.too_much && !wait_until(child, deadline, o.status)) o.timed_out = true;
  if (o.timed_out || o.too_much) {
    child.kill();  // the group: whatever the command started
    child.reap();
  }

  if (o.timed_out) {
    return {std::nullopt,
            "did not finish within " + log::Field::format_duration(timeout) + " and was killed"};
  }
  if (o.too_much) return {std::nullopt, "printed more than 64 KiB"};

  const std::string detail = first_line(o.err, o.out);
  const std::string suffix = detail.empty() ? "" : ": " + detail;
  if (o.status.signal) {
    const int sig = *o.status.signal;
    const char* name = ::sigabbrev_np(sig);
    return {std::nullopt, "was killed by signal " + std::to_string(sig) +
                              (name != nullptr ? " (SIG" + std::string(name) + ")" : "") + suffix};
  }
  // A status lost to another reaper (SIGCHLD ignored) counts as an exit 0:
  // the output is what is judged.
  if (o.status.code.value_or(0) != 0) {
    return {std::nullopt, "exited with status " + std::to_string(*o.status.code) + suffix};
  }
  strip_one_newline(o.out);
  if (o.out.empty()) return {std::nullopt, "printed nothing" + suffix};
  return {std::move(o.out), {}};
}

}  // namespace raven::config::detail
