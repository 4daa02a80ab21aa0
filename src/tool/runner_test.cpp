// The runner with real processes: exit statuses, argv without a shell, limits,
// timeouts that kill the whole group, stdin, environment and fd hygiene,
// cancellation, and the bubblewrap sandbox where it works.
//
// No timing assertions beyond generous bounds ("within 10 s").
#include "tool/runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tool/render.hpp"
#include "tool/test_support.hpp"

namespace raven::tool {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::spec_running;
using Clock = std::chrono::steady_clock;

const std::string kData = RAVEN_TOOL_TESTDATA;
const Context kContext{"alice@example.com", "<m1@example.com>", "Hello"};

// A tool without parameters.
Spec bare(std::vector<std::string> command) {
  Spec s = spec_running(std::move(command));
  s.parameters = Spec::default_parameters();
  return s;
}

Result run_bare(const Spec& spec, const RunOptions& options = {}) {
  return run(spec, json::object(), kContext, std::stop_token{}, options);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Gone, or a zombie nobody reaped yet (a container's pid 1 may not reap).
bool is_dead(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!f || !std::getline(f, stat)) return true;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

bool dies_within(pid_t pid, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (is_dead(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return is_dead(pid);
}

// ---- exit status ----------------------------------------------------------------

TEST(ToolRunner, ExitCodes) {
  Result r = run_bare(bare({"/bin/true"}));
  EXPECT_EQ(r.status, Result::Status::ran);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.ok());
  r = run_bare(bare({"/bin/sh", "-c", "echo partial; exit 3"}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.signal.has_value());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.output, "partial\n");
  EXPECT_EQ(tool_message(r), "exit status 3\n\npartial\n");
}

TEST(ToolRunner, SignalDeath) {
  const Result r = run_bare(bare({"/bin/sh", "-c", "kill -9 $$"}));
  EXPECT_EQ(r.status, Result::Status::ran);
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.stopped, Stop::none);
  EXPECT_EQ(tool_message(r), "killed by signal 9 (SIGKILL)\n\n(no output)");
}

// ---- argv: never a shell ----------------------------------------------------------

TEST(ToolRunner, HostileArgumentsArriveAsOneLiteralElement) {
  const Spec s = spec_running({kData + "/args.sh", "--id", "{x}", "pre-{x}-post"});
  for (const std::string hostile : {"a b; rm -rf / #", "$(id)", "`id`", "*", "'\"\\",
                                    "-rf --no-preserve-root", "line\nbreak", "${HOME}"}) {
    const Result r = run(s, {{"x", hostile}}, kContext, {});
    ASSERT_TRUE(r.ok()) << r.error << r.stderr_tail;
    EXPECT_EQ(r.output, "<--id>\n<" + hostile + ">\n<pre-" + hostile + "-post>\n") << hostile;
  }
}

TEST(ToolRunner, PrintfSeesTheArgumentAsData) {
  // /usr/bin/printf, no script: the element is one argument, not a format.
  const Spec s = spec_running({"/usr/bin/printf", "[%s]", "{x}"});
  const Result r = run(s, {{"x", "a b; rm -rf / #"}}, kContext, {});
  ASSERT_TRUE(r.ok()) << r.stderr_tail;
  EXPECT_EQ(r.output, "[a b; rm -rf / #]");
}

TEST(ToolRunner, SchemaViolationNeverRuns) {
  testing::TempDir dir;
  const std::string marker = (dir.path() / "ran").string();
  Spec s = spec_running({"/usr/bin/touch", marker, "{x}"});
  s.parameters["properties"]["x"]["pattern"] = "^[0-9]+$";
  const Result r = run(s, {{"x", "1; touch /tmp/pwned"}}, kContext, {});
  EXPECT_EQ(r.status, Result::Status::refused);
  EXPECT_EQ(r.error, "the tool did not run: invalid arguments: x: must match the pattern ^[0-9]+$");
  EXPECT_EQ(tool_message(r),
            "error: the tool did not run: invalid arguments: x: must match the pattern ^[0-9]+$");
  EXPECT_FALSE(std::filesystem::exists(marker));
  const Result extra = run(s, {{"x", "1"}, {"y", "2"}}, kContext, {});
  EXPECT_EQ(extra.status, Result::Status::refused);
  EXPECT_FALSE(std::filesystem::exists(marker));
  const Result missing = run(s, json::object(), kContext, {});
  EXPECT_EQ(missing.error, "the tool did not run: invalid arguments: x: is required");
  EXPECT_EQ(run(s, json::array(), kContext, {}).error,
            "the tool did not run: the arguments must be a JSON object");
}

TEST(ToolRunner, DefaultsFillAbsentArguments) {
  Spec s = spec_running({kData + "/args.sh", "{x}", "{n}"});
  s.parameters["properties"]["n"] = {{"type", "integer"}, {"default", 7}};
  s.input = Input::json;
  Result r = run(s, {{"x", "a"}}, kContext, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.output, "<a>\n<7>\n");
  r = run(s, {{"x", "a"}, {"n", 8}}, kContext, {});
  EXPECT_EQ(r.output, "<a>\n<8>\n");
}

// ---- output limits ---------------------------------------------------------------

TEST(ToolRunner, StdoutIsCutAtMaxOutputAndTheRestDrained) {
  Spec s = bare({"/usr/bin/head", "-c", "10485760", "/dev/zero"});
  s.max_output = 1000;
  const Result r = run_bare(s);
  EXPECT_EQ(r.exit_code, 0);  // drained, not killed: it finished normally
  EXPECT_EQ(r.stopped, Stop::none);
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.output_bytes, 10485760u);
  EXPECT_TRUE(tool_message(r).starts_with(
      "exit status 0\noutput truncated: showing the first 1000 of 10485760 bytes\n\n"));
}

TEST(ToolRunner, EndlessOutputIsStoppedPastTheDiscardLimit) {
  Spec s = bare({"/usr/bin/yes"});
  s.max_output = 100;
  RunOptions o;
  o.discard_limit = 1 << 20;
  const auto start = Clock::now();
  const Result r = run_bare(s, o);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(r.stopped, Stop::output_limit);
  EXPECT_EQ(r.output.size(), 100u);
  EXPECT_TRUE(r.truncated);
  EXPECT_GT(r.output_bytes, (1u << 20) + 100u);
  EXPECT_TRUE(r.signal.has_value());
}

TEST(ToolRunner, StderrIsCapturedAsATail) {
  Result r = run_bare(bare({"/bin/sh", "-c", "echo oops >&2; echo out"}));
  EXPECT_EQ(r.output, "out\n");
  EXPECT_EQ(r.stderr_tail, "oops\n");
  EXPECT_EQ(tool_message(r).find("oops"), std::string::npos);  // stderr never reaches the model
  RunOptions o;
  o.stderr_limit = 1024;
  r = run_bare(bare({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a >&2; echo END >&2"}), o);
  EXPECT_EQ(r.stderr_tail.size(), 1024u);
  EXPECT_TRUE(r.stderr_tail.ends_with("aaaEND\n"));
}

// ---- timeouts and stopping ---------------------------------------------------------

TEST(ToolRunner, TimeoutKillsTheToolAndItsChildren) {
  Spec s = bare({kData + "/grandchild.sh"});
  s.timeout = 500ms;
  const auto start = Clock::now();
  const Result r = run_bare(s);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out());
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_TRUE(tool_message(r).starts_with(
      "killed by signal 15 (SIGTERM)\nstopped by Raven: it did not finish within its time limit\n\n"))
      << tool_message(r);
  const pid_t grandchild = std::stoi(r.output);
  EXPECT_TRUE(dies_within(grandchild, 10s)) << "grandchild " << grandchild << " survived";
}

TEST(ToolRunner, SleepForeverIsKilledAtItsTimeout) {
  Spec s = bare({"/bin/sleep", "60"});
  s.timeout = 300ms;
  const auto start = Clock::now();
  const Result r = run_bare(s);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out());
  EXPECT_GE(r.duration, 300ms);
}

TEST(ToolRunner, IgnoringSigtermEarnsSigkill) {
  Spec s = bare({kData + "/ignore_term.sh"});
  s.timeout = 300ms;
  RunOptions o;
  o.grace = 300ms;
  const auto start = Clock::now();
  const Result r = run_bare(s, o);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out());
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.output, "started\n");
}

TEST(ToolRunner, WhatTheToolLeavesBehindIsKilledAndNotWaitedFor) {
  const auto start = Clock::now();
  const Result r = run_bare(bare({kData + "/leave_behind.sh"}));
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stopped, Stop::none);
  const pid_t left = std::stoi(r.output);
  EXPECT_TRUE(dies_within(left, 10s));
}

TEST(ToolRunner, StopTokenCancels) {
  Spec s = bare({kData + "/grandchild.sh"});
  s.timeout = 60s;
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(300ms);
    source.request_stop();
  });
  const auto start = Clock::now();
  const Result r = run(s, json::object(), kContext, source.get_token());
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(r.stopped, Stop::cancelled);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_TRUE(dies_within(std::stoi(r.output), 10s));
}

TEST(ToolRunner, AStopRequestedBeforehandRunsNothing) {
  testing::TempDir dir;
  const std::string marker = (dir.path() / "ran").string();
  std::stop_source source;
  source.request_stop();
  const Result r = run(bare({"/usr/bin/touch", marker}), json::object(), kContext, source.get_token());
  EXPECT_EQ(r.status, Result::Status::failed);
  EXPECT_EQ(r.stopped, Stop::cancelled);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

// ---- stdin -----------------------------------------------------------------------

TEST(ToolRunner, StdinJsonArrives) {
  Spec s = spec_running({"/bin/cat"});
  s.input = Input::json;
  const Result r = run(s, {{"x", "héllo \"quoted\""}}, kContext, {});
  ASSERT_TRUE(r.ok()) << r.stderr_tail;
  EXPECT_EQ(json::parse(r.output), (json{{"x", "héllo \"quoted\""}}));
  EXPECT_TRUE(r.output.ends_with("}\n"));
}

TEST(ToolRunner, StdinIsDevNullWithoutJson) {
  const Result r = run_bare(bare({"/bin/cat"}));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "");
}

TEST(ToolRunner, AChildThatNeverReadsABigStdinDoesNotHangUs) {
  Spec s = spec_running({"/bin/sleep", "30"});
  s.input = Input::json;
  s.timeout = 500ms;
  const json big = {{"x", std::string(4 << 20, 'z')}};  // far beyond a pipe's 64 KiB
  auto start = Clock::now();
  Result r = run(s, big, kContext, {});
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out());

  // A child that exits without reading: EPIPE, not SIGPIPE for us.
  s.command = {"/bin/true"};
  s.timeout = 10s;
  start = Clock::now();
  r = run(s, big, kContext, {});
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.ok());
}

// ---- environment and fds ------------------------------------------------------------

TEST(ToolRunner, EnvironmentIsScrubbed) {
  ::setenv("RAVEN_TEST_FAKE_SECRET", "hunter2", 1);
  Spec s = bare({"/usr/bin/env"});
  s.env = {{"ORDER_DB", "/srv/orders.db"}};
  const Context context{"alice@example.com", "<m1@example.com>", "Hi\r\nX-Injected: 1\x7f"};
  const Result r = run(s, json::object(), context, {});
  ::unsetenv("RAVEN_TEST_FAKE_SECRET");
  ASSERT_TRUE(r.ok());
  auto got = split_lines(r.output);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got,
            (std::vector<std::string>{"ORDER_DB=/srv/orders.db", "PATH=/usr/local/bin:/usr/bin:/bin",
                                      "RAVEN_MESSAGE_ID=<m1@example.com>", "RAVEN_SENDER=alice@example.com",
                                      "RAVEN_SUBJECT=Hi  X-Injected: 1 "}));
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos);
}

TEST(ToolRunner, ConfiguredPathReplacesTheDefault) {
  Spec s = bare({"/usr/bin/env"});
  s.env = {{"PATH", "/usr/bin"}};
  const Result r = run_bare(s);
  EXPECT_NE(r.output.find("PATH=/usr/bin\n"), std::string::npos);
  EXPECT_EQ(r.output.find("/usr/local/bin"), std::string::npos);
}

TEST(ToolRunner, SanitizedEnvValues) {
  EXPECT_EQ(sanitize_env_value("a\tb\nc"), "a b c");
  EXPECT_EQ(sanitize_env_value(std::string(2000, 'x')).size(), 998u);
  // Cut at a UTF-8 boundary: "é" is two bytes.
  EXPECT_EQ(sanitize_env_value("aé", 2), "a");
}

TEST(ToolRunner, NoFdLeaksIntoTheChild) {
  const int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  const Result r = run_bare(bare({kData + "/fds.sh"}));
  ::close(leaky);
  ASSERT_TRUE(r.ok()) << r.stderr_tail;
  // 0, 1, 2, and the one ls opened to read the directory.
  EXPECT_EQ(split_lines(r.output), (std::vector<std::string>{"0", "1", "2", "3"}));
}

TEST(ToolRunner, WorkingDirectory) {
  testing::TempDir dir;
  Spec s = bare({"/bin/pwd"});
  s.working_dir = dir.str();
  const Result r = run_bare(s);
  EXPECT_EQ(r.output, dir.str() + "\n");
}

TEST(ToolRunner, AProgramThatVanishedAfterLoadingIsAFailureNotACrash) {
  testing::TempDir dir;
  const std::string program = dir.write("tool.sh", "#!/bin/sh\necho hi\n", true);
  const Tool tool(bare({program}));
  std::filesystem::remove(program);
  const Result r = run(tool, json::object(), kContext, {});
  EXPECT_EQ(r.status, Result::Status::failed);
  EXPECT_EQ(r.error, "could not be started: No such file or directory");
  EXPECT_EQ(tool_message(r), "error: could not be started: No such file or directory");
}

TEST(ToolRunner, ToolsRunConcurrently) {
  const Tool tool(spec_running({"/bin/sh", "-c", "sleep 0.2; echo \"$1\"", "sh", "{x}"}));
  std::vector<Result> results(4);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < results.size(); ++i)
      threads.emplace_back([&, i] { results[i] = run(tool, {{"x", std::to_string(i)}}, kContext, {}); });
  }
  for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i].output, std::to_string(i) + "\n");
}

// ---- bubblewrap ------------------------------------------------------------------

// Skips the test unless bwrap is installed and can create its namespaces
// here (it cannot in some containers, e.g. without user namespaces).
#define SKIP_UNLESS_BWRAP_WORKS()                                                             \
  do {                                                                                        \
    if (::access(std::string(kBwrapPath).c_str(), X_OK) != 0)                                 \
      GTEST_SKIP() << kBwrapPath << " is not installed (Debian package bubblewrap)";          \
    Spec probe = bare({"/bin/true"});                                                         \
    probe.sandbox = Sandbox::bwrap;                                                           \
    const Result pr = run_bare(probe);                                                        \
    if (!pr.ok()) GTEST_SKIP() << "bwrap cannot create its sandbox here: " << pr.stderr_tail; \
  } while (false)

TEST(ToolRunnerSandbox, ArgvWrapsTheProgramInBwrap) {
  Spec s = spec_running({"echo", "{x}"});
  s.sandbox = Sandbox::bwrap;
  s.working_dir = "/";
  if (::access(std::string(kBwrapPath).c_str(), X_OK) != 0) GTEST_SKIP() << "no bwrap";
  const Tool tool(s);
  const auto argv = spawn_argv(tool, {{"echo", "hi"}, ""});
  const std::vector<std::string> expected{"/usr/bin/bwrap",
                                          "--ro-bind",
                                          "/",
                                          "/",
                                          "--dev",
                                          "/dev",
                                          "--proc",
                                          "/proc",
                                          "--tmpfs",
                                          "/tmp",
                                          "--unshare-all",
                                          "--cap-drop",
                                          "ALL",
                                          "--die-with-parent",
                                          "--new-session",
                                          "--bind",
                                          "/",
                                          "/",
                                          "--chdir",
                                          "/",
                                          "--",
                                          tool.program(),
                                          "hi"};
  EXPECT_EQ(argv, expected);
  s.network = true;
  const auto with_net = spawn_argv(Tool(s), {{"echo", "hi"}, ""});
  EXPECT_NE(std::find(with_net.begin(), with_net.end(), "--share-net"), with_net.end());
}

TEST(ToolRunnerSandbox, CannotWriteOutsideItsWorkingDir) {
  SKIP_UNLESS_BWRAP_WORKS();
  testing::TempDir work;
  testing::TempDir elsewhere;
  const std::string outside = (elsewhere.path() / "outside").string();
  Spec s = spec_running({"/bin/sh", "-c",
                         "touch inside && echo wrote-inside; touch \"$1\" 2>/dev/null && echo wrote-outside; "
                         "touch /tmp/private && echo wrote-tmp; exit 0",
                         "sh", "{x}"});
  s.sandbox = Sandbox::bwrap;
  s.working_dir = work.str();
  const Result r = run(s, {{"x", outside}}, kContext, {});
  ASSERT_TRUE(r.ok()) << r.stderr_tail;
  EXPECT_EQ(r.output, "wrote-inside\nwrote-tmp\n");
  EXPECT_TRUE(std::filesystem::exists(work.path() / "inside"));
  EXPECT_FALSE(std::filesystem::exists(outside));
}

TEST(ToolRunnerSandbox, NoNetworkUnlessAllowed) {
  SKIP_UNLESS_BWRAP_WORKS();
  Spec s = bare({"/bin/cat", "/proc/net/dev"});
  s.sandbox = Sandbox::bwrap;
  const Result r = run_bare(s);
  ASSERT_TRUE(r.ok()) << r.stderr_tail;
  const auto lines = split_lines(r.output);
  ASSERT_EQ(lines.size(), 3u) << r.output;  // two header lines and lo
  EXPECT_NE(lines[2].find("lo:"), std::string::npos);
}

TEST(ToolRunnerSandbox, TimeoutStillKills) {
  SKIP_UNLESS_BWRAP_WORKS();
  Spec s = bare({"/bin/sleep", "60"});
  s.sandbox = Sandbox::bwrap;
  s.timeout = 500ms;
  const auto start = Clock::now();
  const Result r = run_bare(s);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out());
}

}  // namespace
}  // namespace raven::tool
