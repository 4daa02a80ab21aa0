// The subprocess side of a tool call. The header says what is guaranteed;
// here is how, and why in the places where it is not obvious.
#include "tool/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <system_error>

#include "common/child_process.hpp"

namespace raven::tool {
namespace {

using Clock = std::chrono::steady_clock;

// After the program exits, how long output that a stray process (one that
// left the group with setsid) holds open is still collected.
constexpr auto kDrainAfterExit = std::chrono::seconds(1);
// Without a pidfd the loop looks for the exit this often.
constexpr int kExitPollMs = 10;
constexpr std::size_t kReadChunk = std::size_t{64} << 10;

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// write() to a pipe whose reader is gone raises SIGPIPE, which would kill a
// process that has not ignored it (Raven does; a test binary may not). Block
// it in this thread for the write and swallow the one it raised, so that
// process-wide dispositions are never touched.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t n = ::write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    const timespec zero{};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

int ms_until(Clock::time_point t, Clock::time_point now) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(t - now).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

std::string reason(int error) {
  return std::system_category().message(error);
}

// One running child and the loop that feeds and drains it.
class Child {
 public:
  Child(const Spec& spec, const RunOptions& options, Result& result)
      : spec_(spec), options_(options), r_(result) {}

  // false (with r_.error set) when nothing could be started.
  bool spawn(const Tool& tool, const Invocation& invocation, const std::vector<std::string>& env);
  void supervise(std::stop_token stop);

 private:
  void stop_tool(Stop why, Clock::time_point now) {
    if (r_.stopped != Stop::none) return;
    r_.stopped = why;
    child_.terminate(options_.grace, now);
  }
  void on_stdout(const char* data, std::size_t n, Clock::time_point now);
  void on_stderr(const char* data, std::size_t n);
  void feed_stdin();
  bool check_exit(Clock::time_point now);

  const Spec& spec_;
  const RunOptions& options_;
  Result& r_;
  Pipe in_, out_, err_;
  ChildProcess child_;
  UniqueFd pidfd_;
  std::string input_;
  std::size_t input_offset_ = 0;
  Clock::time_point started_{};
  std::optional<Clock::time_point> exited_at_;
};

bool Child::spawn(const Tool& tool, const Invocation& invocation, const std::vector<std::string>& env) {
  const bool feeds_stdin = spec_.input == Input::json;
  if (!make_pipe(out_) || !make_pipe(err_) || (feeds_stdin && !make_pipe(in_))) {
    r_.error = "could not be started: " + reason(errno);
    return false;
  }
  if (feeds_stdin && !set_nonblocking(in_.write.get())) {
    r_.error = "could not be started: " + reason(errno);
    return false;
  }

  SpawnOptions launch;
  launch.program = spec_.sandbox == Sandbox::bwrap ? std::string(kBwrapPath) : tool.program();
  launch.argv = spawn_argv(tool, invocation);
  launch.env = env;
  if (spec_.sandbox == Sandbox::none) launch.working_dir = spec_.working_dir;  // bwrap binds and enters it
  if (feeds_stdin) launch.stdin_fd = in_.read.get();
  launch.stdout_fd = out_.write.get();
  launch.stderr_fd = err_.write.get();

  started_ = Clock::now();
  if (const std::error_code error = child_.spawn(launch)) {
    r_.error = "could not be started: " + error.message();
    return false;
  }
  in_.read.reset();
  out_.write.reset();
  err_.write.reset();
  input_ = invocation.input;
  if (feeds_stdin && input_.empty()) in_.write.reset();
  // A pidfd wakes poll() when the child exits; without one (old kernels)
  // the loop looks every kExitPollMs.
  // (syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.)
  pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, child_.pid(), 0)));
  return true;
}

void Child::on_stdout(const char* data, std::size_t n, Clock::time_point now) {
  r_.output_bytes += n;
  if (r_.output.size() < spec_.max_output)
    r_.output.append(data, std::min(n, spec_.max_output - r_.output.size()));
  if (r_.output_bytes > spec_.max_output) r_.truncated = true;
  if (!exited_at_ && r_.output_bytes - std::min(r_.output_bytes, spec_.max_output) > options_.discard_limit)
    stop_tool(Stop::output_limit, now);
}

void Child::on_stderr(const char* data, std::size_t n) {
  r_.stderr_tail.append(data, n);
  // Keep a tail: trim in batches so that appending stays cheap.
  if (r_.stderr_tail.size() > 2 * options_.stderr_limit)
    r_.stderr_tail.erase(0, r_.stderr_tail.size() - options_.stderr_limit);
}

void Child::feed_stdin() {
  while (input_offset_ < input_.size()) {
    const ssize_t n =
        write_without_sigpipe(in_.write.get(), input_.data() + input_offset_, input_.size() - input_offset_);
    if (n > 0) {
      input_offset_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // the pipe is full: poll again
    break;                                 // EPIPE: the child closed stdin; it did not want the rest
  }
  in_.write.reset();  // all written (EOF for the child), or not wanted
}

// Reaps the child once it has exited. Until then it is a zombie whose pid
// nobody else can take, so killing its group first is race-free: whatever
// the program left behind in its group goes with it.
bool Child::check_exit(Clock::time_point now) {
  if (!child_.has_exited()) return false;
  child_.signal_group(SIGKILL);  // nothing if someone else reaped it: its pid is no longer safe
  const ExitStatus status = child_.reap();
  r_.exit_code = status.code;
  r_.signal = status.signal;
  r_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  exited_at_ = now;
  in_.write.reset();
  pidfd_.reset();
  return true;
}

void Child::supervise(std::stop_token stop) {
  // A stop request wakes poll() through this eventfd (DESIGN.md, "Concurrency").
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::stop_callback on_stop(stop, [&wake] {
    const std::uint64_t one = 1;
    if (wake.valid()) (void)!::write(wake.get(), &one, sizeof one);
  });
  bool wake_seen = false;
  const auto deadline = started_ + spec_.timeout;
  std::vector<char> buffer(kReadChunk);

  for (;;) {
    auto now = Clock::now();
    if (!exited_at_ && check_exit(now)) continue;
    if (exited_at_) {
      if (!out_.read.valid() && !err_.read.valid()) break;
      if (now >= *exited_at_ + kDrainAfterExit) break;
    } else {
      if (now >= deadline) stop_tool(Stop::timeout, now);
      if (!wake.valid() && stop.stop_requested()) stop_tool(Stop::cancelled, now);
      child_.escalate(now);
    }

    enum { kOut, kErr, kIn, kExit, kWake, kCount };
    std::array<pollfd, kCount> fds{};
    fds[kOut] = {out_.read.get(), POLLIN, 0};
    fds[kErr] = {err_.read.get(), POLLIN, 0};
    fds[kIn] = {in_.write.get(), POLLOUT, 0};
    fds[kExit] = {exited_at_ ? -1 : pidfd_.get(), POLLIN, 0};
    fds[kWake] = {wake_seen || exited_at_ ? -1 : wake.get(), POLLIN, 0};

    int wait_ms = 0;
    if (exited_at_) {
      wait_ms = ms_until(*exited_at_ + kDrainAfterExit, now);
    } else {
      const auto kill_at = child_.kill_due();
      wait_ms = ms_until(kill_at ? *kill_at : deadline, now);
      if (r_.stopped != Stop::none && !kill_at) wait_ms = 1000;  // SIGKILL sent: only the exit is awaited
      if (!pidfd_.valid() || !wake.valid()) wait_ms = std::min(wait_ms, kExitPollMs);
    }
    const int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      // Cannot wait any more: stop the tool and wait for it blocking.
      if (!exited_at_) {
        child_.signal_group(SIGKILL);
        while (!check_exit(Clock::now())) ::usleep(1000);
      }
      break;
    }
    now = Clock::now();
    for (const int i : {kOut, kErr}) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      UniqueFd& fd = i == kOut ? out_.read : err_.read;
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        fd.reset();
        continue;
      }
      if (i == kOut)
        on_stdout(buffer.data(), static_cast<std::size_t>(n), now);
      else
        on_stderr(buffer.data(), static_cast<std::size_t>(n));
    }
    if (fds[kIn].fd >= 0 && fds[kIn].revents != 0) feed_stdin();
    if (fds[kWake].fd >= 0 && fds[kWake].revents != 0) {
      wake_seen = true;
      stop_tool(Stop::cancelled, now);
    }
  }
  if (r_.stderr_tail.size() > options_.stderr_limit)
    r_.stderr_tail.erase(0, r_.stderr_tail.size() - options_.stderr_limit);
}

}  // namespace

std::string_view to_string(Stop stop) noexcept {
  switch (stop) {
    case Stop::none: return "none";
    case Stop::timeout: return "timeout";
    case Stop::output_limit: return "output_limit";
    case Stop::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string sanitize_env_value(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  if (text.size() > limit) {
    // Do not leave half a UTF-8 sequence at the end.
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
    out.resize(end);
  }
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

std::vector<std::string> child_environment(const Spec& spec, const Context& context) {
  std::vector<std::string> out;
  bool has_path = false;
  for (const auto& [name, value] : spec.env) {
    if (name == kSenderVar || name == kMessageIdVar || name == kSubjectVar) continue;
    if (name == "PATH") has_path = true;
    out.push_back(name + "=" + value);
  }
  if (!has_path) out.push_back("PATH=" + std::string(kDefaultPath));
  out.push_back(std::string(kSenderVar) + "=" + sanitize_env_value(context.sender));
  out.push_back(std::string(kMessageIdVar) + "=" + sanitize_env_value(context.message_id));
  out.push_back(std::string(kSubjectVar) + "=" + sanitize_env_value(context.subject));
  return out;
}

std::vector<std::string> spawn_argv(const Tool& tool, const Invocation& invocation) {
  const Spec& spec = tool.spec();
  if (spec.sandbox == Sandbox::none) return invocation.argv;
  std::vector<std::string> out{
      std::string(kBwrapPath), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
      "--unshare-all"};
  if (spec.network.value_or(false)) out.emplace_back("--share-net");
  // Run as root, bwrap would keep every capability inside (and so the power
  // to remount the read-only root): drop them all.
  out.insert(out.end(), {"--cap-drop", "ALL", "--die-with-parent", "--new-session"});
  if (!spec.working_dir.empty())
    out.insert(out.end(), {"--bind", spec.working_dir, spec.working_dir, "--chdir", spec.working_dir});
  out.emplace_back("--");
  out.push_back(tool.program());
  out.insert(out.end(), invocation.argv.begin() + 1, invocation.argv.end());
  return out;
}

Result run_invocation(const Tool& tool, const Invocation& invocation, const Context& context,
                      std::stop_token stop, const RunOptions& options) {
  Result r;
  if (stop.stop_requested()) {
    r.status = Result::Status::failed;
    r.stopped = Stop::cancelled;
    r.error = "did not run: Raven is stopping";
    return r;
  }
  Child child(tool.spec(), options, r);
  if (!child.spawn(tool, invocation, child_environment(tool.spec(), context))) {
    r.status = Result::Status::failed;
    return r;
  }
  r.status = Result::Status::ran;
  child.supervise(std::move(stop));
  return r;
}

Result run(const Tool& tool, const nlohmann::json& arguments, const Context& context, std::stop_token stop,
           const RunOptions& options) {
  auto prepared = tool.prepare(arguments);
  if (auto* refusal = std::get_if<std::string>(&prepared)) {
    Result r;
    r.status = Result::Status::refused;
    r.error = std::move(*refusal);
    return r;
  }
  return run_invocation(tool, std::get<Invocation>(prepared), context, std::move(stop), options);
}

Result run(const Spec& spec, const nlohmann::json& arguments, const Context& context, std::stop_token stop,
           const RunOptions& options) {
  return run(Tool(spec), arguments, context, std::move(stop), options);
}

}  // namespace raven::tool
