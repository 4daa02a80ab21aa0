// The header says what a child gets; here is how.
#include "common/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <utility>

extern char** environ;

namespace raven {
namespace {

// A posix_spawn file-actions or attributes object, destroyed with its scope.
template <typename T, int (*init)(T*), int (*destroy)(T*)>
class SpawnObject {
 public:
  SpawnObject() { init(&object_); }
  ~SpawnObject() { destroy(&object_); }
  SpawnObject(const SpawnObject&) = delete;
  SpawnObject& operator=(const SpawnObject&) = delete;
  T* get() { return &object_; }

 private:
  T object_{};
};
using FileActions = SpawnObject<posix_spawn_file_actions_t, ::posix_spawn_file_actions_init,
                                ::posix_spawn_file_actions_destroy>;
using SpawnAttributes = SpawnObject<posix_spawnattr_t, ::posix_spawnattr_init, ::posix_spawnattr_destroy>;

void add_stdio(posix_spawn_file_actions_t* actions, int fd, int target, int null_flags) {
  if (fd >= 0)
    ::posix_spawn_file_actions_adddup2(actions, fd, target);
  else
    ::posix_spawn_file_actions_addopen(actions, target, "/dev/null", null_flags, 0);
}

// posix_spawn takes char* const[], and does not write through it.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

bool make_pipe(Pipe& pipe) noexcept {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
  return true;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      terminating_(std::exchange(other.terminating_, false)),
      kill_at_(std::exchange(other.kill_at_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (active()) {
      kill();
      reap();
    }
    pid_ = std::exchange(other.pid_, -1);
    terminating_ = std::exchange(other.terminating_, false);
    kill_at_ = std::exchange(other.kill_at_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (active()) {
    kill();
    reap();
  }
}

std::error_code ChildProcess::spawn(const SpawnOptions& options) {
  FileActions actions;
  add_stdio(actions.get(), options.stdin_fd, STDIN_FILENO, O_RDONLY);
  add_stdio(actions.get(), options.stdout_fd, STDOUT_FILENO, O_WRONLY);
  add_stdio(actions.get(), options.stderr_fd, STDERR_FILENO, O_WRONLY);
  if (!options.working_dir.empty())
    ::posix_spawn_file_actions_addchdir_np(actions.get(), options.working_dir.c_str());
  // Last, after the dup2s: whatever another thread opened without O_CLOEXEC
  // does not leak either.
  ::posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1);

  SpawnAttributes attributes;
  sigset_t empty;
  sigset_t all;
  sigemptyset(&empty);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  ::posix_spawnattr_setflags(attributes.get(),
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(attributes.get(), 0);
  ::posix_spawnattr_setsigmask(attributes.get(), &empty);
  ::posix_spawnattr_setsigdefault(attributes.get(), &all);

  const auto argv = c_strings(options.argv);
  std::vector<char*> env_strings;
  if (options.env) env_strings = c_strings(*options.env);
  char* const* envp = options.env ? env_strings.data() : environ;

  pid_t pid = -1;
  const auto start = options.search_path ? ::posix_spawnp : ::posix_spawn;
  const int error = start(&pid, options.program.c_str(), actions.get(), attributes.get(), argv.data(), envp);
  if (error != 0) return {error, std::system_category()};
  pid_ = pid;
  return {};
}

void ChildProcess::signal_group(int sig) noexcept {
  if (active()) ::kill(-pid_, sig);
}

void ChildProcess::terminate(std::chrono::milliseconds grace, Clock::time_point now) noexcept {
  if (!active() || terminating_) return;
  terminating_ = true;
  signal_group(SIGTERM);
  kill_at_ = now + grace;
}

void ChildProcess::escalate(Clock::time_point now) noexcept {
  if (!kill_at_ || now < *kill_at_) return;
  signal_group(SIGKILL);
  kill_at_.reset();
}

void ChildProcess::kill() noexcept {
  if (!active()) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  kill_at_.reset();
}

bool ChildProcess::has_exited() noexcept {
  if (!active()) return true;
  // WNOWAIT: look without reaping, so that the pid stays ours to signal.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0)
    return info.si_pid == pid_;
  if (errno != ECHILD) return false;  // EINTR: ask again
  // Reaped elsewhere: its pid is no longer safe to signal.
  pid_ = -1;
  kill_at_.reset();
  return true;
}

ExitStatus ChildProcess::reap() noexcept {
  ExitStatus out;
  if (!active()) return out;
  int status = 0;
  pid_t r = 0;
  while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  kill_at_.reset();
  if (r < 0) return out;  // ECHILD: reaped elsewhere
  if (WIFEXITED(status)) out.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

}  // namespace raven
