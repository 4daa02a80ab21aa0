// ChildProcess with real processes (/bin/sh): what the child gets (stdio,
// environment, working directory, fds, signals, its own group), how it ends,
// and stopping the group: SIGTERM, SIGKILL after the grace, grandchildren
// included. No timing assertions beyond generous bounds ("within 10 s").
#include "common/child_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/test_support.hpp"

namespace raven {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

SpawnOptions shell(const std::string& script) {
  SpawnOptions o;
  o.program = "/bin/sh";
  o.argv = {"sh", "-c", script};
  return o;
}

// Reads `fd` until EOF.
std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// Reads `fd` up to and including the first newline.
std::string read_line(int fd) {
  std::string out;
  char c = 0;
  while (::read(fd, &c, 1) == 1) {
    out += c;
    if (c == '\n') break;
  }
  return out;
}

// Starts `options` with stdout on a pipe whose read end goes to `out`.
ChildProcess start(SpawnOptions options, UniqueFd& out) {
  Pipe p;
  EXPECT_TRUE(make_pipe(p));
  options.stdout_fd = p.write.get();
  ChildProcess child;
  const std::error_code error = child.spawn(options);
  EXPECT_FALSE(error) << error.message();
  out = std::move(p.read);
  return child;
}

// Runs `options` to the end; returns what it printed and how it ended.
std::pair<std::string, ExitStatus> run(SpawnOptions options) {
  UniqueFd out;
  ChildProcess child = start(std::move(options), out);
  std::string text = read_all(out.get());
  return {std::move(text), child.reap()};
}

// The stop loop a caller runs: terminate, then escalate until it exits.
ExitStatus stop(ChildProcess& child, std::chrono::milliseconds grace) {
  child.terminate(grace, Clock::now());
  const auto give_up = Clock::now() + 10s;
  while (!child.has_exited() && Clock::now() < give_up) {
    child.escalate(Clock::now());
    std::this_thread::sleep_for(5ms);
  }
  return child.reap();
}

// True if `pid` is not (or no longer) a child of this process: it was reaped.
bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

// ---- how it ends -----------------------------------------------------------------

TEST(ChildProcess, ExitCode) {
  const auto [out, status] = run(shell("echo hi; exit 3"));
  EXPECT_EQ(out, "hi\n");
  EXPECT_EQ(status.code, 3);
  EXPECT_FALSE(status.signal);
}

TEST(ChildProcess, SignalDeath) {
  const auto [out, status] = run(shell("kill -9 $$"));
  EXPECT_FALSE(status.code);
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(ChildProcess, SpawnFailureIsAnErrorAndNothingRuns) {
  SpawnOptions o;
  o.program = "/nonexistent/raven-no-such-program";
  o.argv = {o.program};
  ChildProcess child;
  EXPECT_EQ(child.spawn(o), std::error_code(ENOENT, std::system_category()));
  EXPECT_FALSE(child.active());
  EXPECT_EQ(child.pid(), -1);
  EXPECT_TRUE(child.has_exited());
  const ExitStatus status = child.reap();
  EXPECT_FALSE(status.code);
  EXPECT_FALSE(status.signal);
}

TEST(ChildProcess, SearchPathLooksTheProgramUp) {
  SpawnOptions o;
  o.program = "sh";
  o.search_path = true;
  o.argv = {"sh", "-c", "echo found"};
  EXPECT_EQ(run(o).first, "found\n");
}

TEST(ChildProcess, AStatusReapedElsewhereIsLostAndThePidLeftAlone) {
  ChildProcess child;
  ASSERT_FALSE(child.spawn(shell("exit 7")));
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid(), &status, 0), child.pid());  // someone else reaps it
  EXPECT_TRUE(child.has_exited());
  EXPECT_FALSE(child.active()) << "its pid may belong to someone else now";
  child.signal_group(SIGKILL);  // does nothing
  const ExitStatus lost = child.reap();
  EXPECT_FALSE(lost.code);
  EXPECT_FALSE(lost.signal);
}

// ---- what the child gets ----------------------------------------------------------

TEST(ChildProcess, StdinIsDevNullUnlessGiven) {
  EXPECT_EQ(run(shell("cat")).first, "");  // would wait forever on an inherited terminal

  Pipe in;
  ASSERT_TRUE(make_pipe(in));
  SpawnOptions o = shell("cat");
  o.stdin_fd = in.read.get();
  ASSERT_EQ(::write(in.write.get(), "fed\n", 4), 4);
  in.write.reset();
  EXPECT_EQ(run(o).first, "fed\n");
}

TEST(ChildProcess, StderrGoesWhereItIsSent) {
  Pipe err;
  ASSERT_TRUE(make_pipe(err));
  SpawnOptions o = shell("echo out; echo oops >&2");
  o.stderr_fd = err.write.get();
  const auto [out, status] = run(o);
  err.write.reset();
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(read_all(err.read.get()), "oops\n");
  EXPECT_EQ(status.code, 0);
}

TEST(ChildProcess, EnvironmentIsExactlyTheGivenOneOrInherited) {
  ::setenv("RAVEN_TEST_INHERITED", "yes", 1);
  SpawnOptions o;
  o.program = "/usr/bin/env";
  o.argv = {"env"};
  EXPECT_NE(run(o).first.find("RAVEN_TEST_INHERITED=yes\n"), std::string::npos);
  o.env = std::vector<std::string>{"ONLY=this"};
  EXPECT_EQ(run(o).first, "ONLY=this\n");
  ::unsetenv("RAVEN_TEST_INHERITED");
}

TEST(ChildProcess, WorkingDirectory) {
  test::TempDir dir;
  SpawnOptions o = shell("pwd");
  o.working_dir = dir.str();
  EXPECT_EQ(run(o).first, dir.str() + "\n");
}

TEST(ChildProcess, NoOtherFdLeaksIntoTheChild) {
  const int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  SpawnOptions o;
  o.program = "/bin/ls";
  o.argv = {"ls", "/proc/self/fd"};
  const std::string out = run(o).first;
  ::close(leaky);
  // 0, 1, 2, and the one ls opened to read the directory.
  EXPECT_EQ(out, "0\n1\n2\n3\n");
}

TEST(ChildProcess, SignalMaskAndIgnoredDispositionsAreReset) {
  // Raven ignores SIGPIPE process-wide; ignored dispositions survive exec.
  struct sigaction ignore {};
  struct sigaction old_pipe {};
  struct sigaction old_usr1 {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  ::sigaction(SIGUSR1, &ignore, &old_usr1);
  sigset_t block;
  sigset_t old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  const std::string out = run(shell("grep -E '^Sig(Ign|Blk)' /proc/self/status")).first;

  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  // Bit n-1 stands for signal n. glibc's posix_spawn itself leaves its
  // internal signals (32, 33) ignored; the standard ones must all be reset.
  const auto mask = [&out](const std::string& name) {
    const auto at = out.find(name + ":\t");
    return at == std::string::npos ? ~0ULL : std::stoull(out.substr(at + name.size() + 2), nullptr, 16);
  };
  EXPECT_EQ(mask("SigBlk"), 0ULL) << out;
  EXPECT_EQ(mask("SigIgn") & 0x7fffffffULL, 0ULL) << out;
}

TEST(ChildProcess, RunsInAProcessGroupOfItsOwn) {
  UniqueFd out;
  // Field 5 of /proc/PID/stat is the process group.
  ChildProcess child = start(shell("cut -d' ' -f5 /proc/$$/stat"), out);
  const std::string pgid = read_all(out.get());
  EXPECT_EQ(pgid, std::to_string(child.pid()) + "\n");
  EXPECT_NE(child.pid(), ::getpgrp());
  EXPECT_EQ(child.reap().code, 0);
}

// ---- stopping the group -------------------------------------------------------------

TEST(ChildProcess, TerminateSendsSigtermToAChildThatHeedsIt) {
  ChildProcess child;
  ASSERT_FALSE(child.spawn(shell("exec sleep 60")));
  const auto start = Clock::now();
  const ExitStatus status = stop(child, 60s);
  EXPECT_LT(Clock::now() - start, 10s) << "SIGTERM, not the grace, ended it";
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_FALSE(child.kill_due()) << "reaped: nothing due any more";
}

TEST(ChildProcess, AChildIgnoringSigtermIsKilledAfterTheGrace) {
  UniqueFd out;
  // The trap is inherited by sleep: only SIGKILL ends either.
  ChildProcess child = start(shell("trap '' TERM; echo started; sleep 60"), out);
  ASSERT_EQ(read_line(out.get()), "started\n");

  const auto now = Clock::now();
  child.terminate(200ms, now);
  ASSERT_TRUE(child.kill_due());
  EXPECT_EQ(*child.kill_due(), now + 200ms);
  child.escalate(now);        // not due yet: nothing happens
  child.terminate(0ms, now);  // only the first call acts
  EXPECT_EQ(*child.kill_due(), now + 200ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(child.has_exited()) << "SIGTERM is ignored";

  const ExitStatus status = stop(child, 200ms);
  EXPECT_EQ(status.signal, SIGKILL);
}

TEST(ChildProcess, AStopReachesAGrandchildInTheGroup) {
  UniqueFd out;
  ChildProcess child = start(shell("sleep 60 & echo $!; wait"), out);
  const pid_t grandchild = std::stoi(read_line(out.get()));

  const ExitStatus status = stop(child, 5s);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_TRUE(test::dies_within(grandchild, 10s)) << "grandchild " << grandchild << " survived";
}

TEST(ChildProcess, TheGroupCanBeSignalledAfterTheExitUntilTheReap) {
  UniqueFd out;
  // Exits at once, leaving a process behind in its group.
  ChildProcess child = start(shell("sleep 60 & echo $!"), out);
  const pid_t left = std::stoi(read_line(out.get()));
  const auto give_up = Clock::now() + 10s;
  while (!child.has_exited() && Clock::now() < give_up) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(child.active()) << "exited, not reaped: still a zombie holding the group id";

  child.signal_group(SIGKILL);
  EXPECT_EQ(child.reap().code, 0);
  EXPECT_TRUE(test::dies_within(left, 10s)) << "left-behind " << left << " survived";
}

TEST(ChildProcess, KillEndsAChildIgnoringSigterm) {
  ChildProcess child;
  ASSERT_FALSE(child.spawn(shell("trap '' TERM; sleep 60")));
  child.kill();
  EXPECT_EQ(child.reap().signal, SIGKILL);
  EXPECT_FALSE(child.active());
}

// ---- ownership ---------------------------------------------------------------------

TEST(ChildProcess, DestructionKillsAndReaps) {
  pid_t pid = -1;
  {
    ChildProcess child;
    ASSERT_FALSE(child.spawn(shell("trap '' TERM; sleep 60")));
    pid = child.pid();
  }
  EXPECT_TRUE(reaped(pid)) << "no zombie left behind";
}

TEST(ChildProcess, MoveTransfersTheChild) {
  ChildProcess a;
  ASSERT_FALSE(a.spawn(shell("exit 4")));
  const pid_t pid = a.pid();
  ChildProcess b(std::move(a));
  EXPECT_FALSE(a.active());  // NOLINT(bugprone-use-after-move): moved-from is specified empty
  EXPECT_EQ(b.pid(), pid);
  EXPECT_EQ(b.reap().code, 4);
}

TEST(ChildProcess, MoveAssignmentKillsAndReapsWhatTheTargetHeld) {
  ChildProcess target;
  ASSERT_FALSE(target.spawn(shell("sleep 60")));
  const pid_t old = target.pid();
  ChildProcess source;
  ASSERT_FALSE(source.spawn(shell("exit 5")));
  const pid_t kept = source.pid();
  target = std::move(source);
  EXPECT_TRUE(reaped(old));
  EXPECT_EQ(target.pid(), kept);
  EXPECT_EQ(target.reap().code, 5);
}

}  // namespace
}  // namespace raven
