// password_file and password_command: unit level, then through load_string.
#include "config/secrets.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using namespace std::chrono_literals;
using detail::read_secret_file;
using detail::run_secret_command;
using detail::shell_argv;
using testing::TempDir;

// ---- password_file --------------------------------------------------------

TEST(ConfigSecretFile, StripsOneTrailingNewline) {
  TempDir dir;
  EXPECT_EQ(read_secret_file(dir.write("a", "s3cret\n")).secret, "s3cret");
  EXPECT_EQ(read_secret_file(dir.write("b", "s3cret\r\n")).secret, "s3cret");
  EXPECT_EQ(read_secret_file(dir.write("c", "s3cret\n\n")).secret, "s3cret\n");
  EXPECT_EQ(read_secret_file(dir.write("d", "s3cret")).secret, "s3cret");
  EXPECT_EQ(read_secret_file(dir.write("e", " two words ")).secret, " two words ");
}

TEST(ConfigSecretFile, Failures) {
  TempDir dir;
  const std::string missing = dir.str() + "/missing";
  EXPECT_EQ(read_secret_file(missing).error, "cannot read " + missing + ": No such file or directory");
  const std::string empty = dir.write("empty", "\n");
  EXPECT_EQ(read_secret_file(empty).error, empty + " is empty");
  EXPECT_EQ(read_secret_file(dir.str()).error, dir.str() + " is not a regular file");
  const std::string big = dir.write("big", std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(read_secret_file(big).error, big + " is larger than 64 KiB");
  EXPECT_TRUE(read_secret_file(dir.write("max", std::string(64 * 1024, 'x'))).secret.has_value());
}

// ---- password_command -----------------------------------------------------

TEST(ConfigSecretCommand, ArgvRunsWithoutAShell) {
  auto r = run_secret_command({"printf", "%s\\n", "s3cret; $(not run)"}, 5s, "");
  ASSERT_TRUE(r.secret) << r.error;
  EXPECT_EQ(*r.secret, "s3cret; $(not run)");
}

TEST(ConfigSecretCommand, StringRunsWithShC) {
  EXPECT_EQ(shell_argv("echo hi"), (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  auto r = run_secret_command(shell_argv("echo s3cret | tr a-z A-Z"), 5s, "");
  ASSERT_TRUE(r.secret) << r.error;
  EXPECT_EQ(*r.secret, "S3CRET");
}

TEST(ConfigSecretCommand, RunsInTheGivenDirectory) {
  TempDir dir;
  dir.write("get-password", "#!/bin/sh\necho from-script\n", true);
  auto r = run_secret_command({"./get-password"}, 5s, dir.str());
  ASSERT_TRUE(r.secret) << r.error;
  EXPECT_EQ(*r.secret, "from-script");
}

TEST(ConfigSecretCommand, NonZeroExitGivesFirstLineOfStderrNotStdout) {
  auto r = run_secret_command(
      shell_argv("echo partial-output; printf 'pass: no such entry\\nsecond line\\n' >&2; exit 3"), 5s, "");
  EXPECT_FALSE(r.secret);
  EXPECT_EQ(r.error, "exited with status 3: pass: no such entry");
}

TEST(ConfigSecretCommand, StderrThatRepeatsTheOutputIsWithheld) {
  auto r = run_secret_command(shell_argv("echo hunter2; echo 'rejected hunter2' >&2; exit 1"), 5s, "");
  EXPECT_FALSE(r.secret);
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("withheld"), std::string::npos) << r.error;
}

TEST(ConfigSecretCommand, KilledBySignal) {
  auto r = run_secret_command(shell_argv("kill -TERM $$"), 5s, "");
  EXPECT_EQ(r.error, "was killed by signal 15 (SIGTERM)");
}

TEST(ConfigSecretCommand, EmptyOutputIsAnError) {
  EXPECT_EQ(run_secret_command({"true"}, 5s, "").error, "printed nothing");
  EXPECT_EQ(run_secret_command(shell_argv("echo"), 5s, "").error, "printed nothing");
}

TEST(ConfigSecretCommand, StdinIsDevNull) {
  // cat would wait for input forever if stdin were inherited.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run_secret_command({"cat"}, 10s, "").error, "printed nothing");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ConfigSecretCommand, OutputIsBounded) {
  EXPECT_EQ(run_secret_command({"head", "-c", "70000", "/dev/zero"}, 5s, "").error,
            "printed more than 64 KiB");
  EXPECT_EQ(run_secret_command(shell_argv("yes"), 5s, "").error, "printed more than 64 KiB");
}

TEST(ConfigSecretCommand, MissingProgram) {
  EXPECT_EQ(run_secret_command({"raven-no-such-program"}, 5s, "").error,
            "cannot run \"raven-no-such-program\": No such file or directory");
  EXPECT_EQ(run_secret_command({}, 5s, "").error, "names no program");
}

TEST(ConfigSecretCommand, TimeoutKillsTheChild) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run_secret_command({"sleep", "30"}, 300ms, "");
  EXPECT_FALSE(r.secret);
  EXPECT_EQ(r.error, "did not finish within 300ms and was killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// True if `pid` no longer runs (gone, or a zombie waiting for its reaper).
bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(ConfigSecretCommand, TimeoutKillsWhatTheCommandStarted) {
  TempDir dir;
  // The shell waits on a background sleep that holds stdout open: both must go.
  auto r = run_secret_command(shell_argv("sleep 30 & echo $! > sleeper.pid; wait"), 300ms, dir.str());
  EXPECT_EQ(r.error, "did not finish within 300ms and was killed");
  std::ifstream in(dir.path() / "sleeper.pid");
  pid_t pid = 0;
  ASSERT_TRUE(in >> pid);
  for (int i = 0; i < 200 && !dead(pid); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(dead(pid)) << "sleep " << pid << " survived";
  if (!dead(pid)) ::kill(pid, SIGKILL);
}

TEST(ConfigSecretCommand, ChildDoesNotInheritIgnoredSigpipe) {
  // Raven ignores SIGPIPE process-wide; a command must still get the default.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  auto r = run_secret_command(shell_argv("grep SigIgn /proc/self/status"), 5s, "");
  ::sigaction(SIGPIPE, &previous, nullptr);
  ASSERT_TRUE(r.secret) << r.error;
  // SIGPIPE is signal 13: bit 12 of the mask, in the fourth hex digit from the right.
  const std::string mask = r.secret->substr(r.secret->find_last_of(" \t") + 1);
  const unsigned long bits = std::stoul(mask, nullptr, 16);
  EXPECT_EQ(bits & (1ul << 12), 0ul) << *r.secret;
}

// ---- through load_string ---------------------------------------------------

const char* const kHead =
    "imap:\n"
    "  host: mail.example.com\n"
    "  username: raven@example.com\n";

TEST(ConfigSecrets, PasswordFileRelativeToTheConfigDirectory) {
  TempDir dir;
  dir.write("imap-password", "from-file\n");
  auto c = load_string(std::string(kHead) + "  password_file: imap-password\n", testing::options_with({}),
                       dir.str());
  EXPECT_EQ(c.imap.password, "from-file");
}

TEST(ConfigSecrets, LoadFileResolvesAgainstTheFilesDirectory) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "secrets");
  dir.write("secrets/imap", "from-file\n");
  const std::string path = dir.write("raven.yaml", std::string(kHead) + "  password_file: secrets/imap\n");
  EXPECT_EQ(load_file(path, testing::options_with({})).imap.password, "from-file");
}

TEST(ConfigSecrets, PasswordCommandAsListAndAsString) {
  auto list = load_string(std::string(kHead) + "  password_command: [printf, '%s', from-argv]\n",
                          testing::options_with({}));
  EXPECT_EQ(list.imap.password, "from-argv");
  auto block = load_string(std::string(kHead) +
                               "  password_command:\n"
                               "    - printf\n"
                               "    - '%s'\n"
                               "    - ${WHO}\n",
                           testing::options_with({{"WHO", "from-env-arg"}}));
  EXPECT_EQ(block.imap.password, "from-env-arg");
  auto shell = load_string(std::string(kHead) + "  password_command: echo from-shell | tr a-z A-Z\n",
                           testing::options_with({}));
  EXPECT_EQ(shell.imap.password, "FROM-SHELL");
}

TEST(ConfigSecrets, FailingCommandIsLocated) {
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password_command: \"echo denied >&2; exit 1\"\n"),
            (std::vector<std::string>{"imap.password_command: exited with status 1: denied (line 4)"}));
}

TEST(ConfigSecrets, CommandTimeoutComesFromLoadOptions) {
  LoadOptions options = testing::options_with({});
  options.command_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password_command: [sleep, '30']\n", options),
            (std::vector<std::string>{
                "imap.password_command: did not finish within 300ms and was killed (line 4)"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ConfigSecrets, ExactlyOneSource) {
  EXPECT_EQ(testing::problems(kHead),
            (std::vector<std::string>{
                "imap.password: must be set (line 1); or use password_file or password_command"}));
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password: a\n"
                                                   "  password_file: b\n"
                                                   "  password_command: c\n"),
            (std::vector<std::string>{
                "imap.password_file: cannot be combined with password (line 5); set only one of password, "
                "password_file, password_command",
                "imap.password_command: cannot be combined with password (line 6); set only one of password, "
                "password_file, password_command"}));
}

TEST(ConfigSecrets, BadSourceValues) {
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password_command: []\n"),
            (std::vector<std::string>{"imap.password_command: must not be empty (line 4)"}));
  EXPECT_EQ(
      testing::problems(std::string(kHead) + "  password_command: {a: b}\n"),
      (std::vector<std::string>{"imap.password_command: must be a list (program and arguments) or a string "
                                "(run by /bin/sh -c) (line 4)"}));
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password_command:\n    - echo\n    - [x]\n"),
            (std::vector<std::string>{"imap.password_command[1]: must be a string (line 6)"}));
  EXPECT_EQ(
      testing::problems(std::string(kHead) + "  password_file: /nonexistent/raven-pw\n"),
      (std::vector<std::string>{
          "imap.password_file: cannot read /nonexistent/raven-pw: No such file or directory (line 4)"}));
}

TEST(ConfigSecrets, TheSecretNeverAppearsInAProblem) {
  TempDir dir;
  dir.write("pw", "hunter2\n");
  dir.write("pw-two-lines", "hunter2\nhunter2\n");
  const std::vector<std::string> configs = {
      // The command prints the secret, then fails.
      "  password_command: \"echo hunter2; echo 'wrong: hunter2' >&2; exit 1\"\n",
      // The secret comes out with a line break in the middle.
      "  password_file: pw-two-lines\n",
      "  password_command: \"printf 'hunter2\\\\r\\\\nhunter2'\"\n",
      // The secret is fine but something else is not.
      "  password_file: pw\n  port: nope\n",
      "  password: ${SECRET}\n  tls: hunter2x\n",
      "  password: hunter2\n  password_file: pw\n",
      "  password: hunter2\n  pasword: hunter2\n",
  };
  for (const auto& tail : configs) {
    try {
      load_string(std::string(kHead) + tail, testing::options_with({{"SECRET", "hunter2"}}), dir.str());
      ADD_FAILURE() << "loaded: " << tail;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
  }
}

// `raven status` loads the config only to find the journal: no secret is read.
TEST(ConfigSecrets, WithoutResolvingNothingIsReadOrRun) {
  TempDir dir;
  const std::string marker = dir.str() + "/command-ran";
  LoadOptions options = testing::options_with({});  // ${UNSET} below is not set
  options.resolve_secrets = false;
  auto c = load_string(std::string(kHead) + "  password_command: \"touch " + marker +
                           "; echo from-command\"\n"
                           "llm:\n"
                           "  base_url: https://llm.example.com/v1\n"
                           "  model: m\n"
                           "  api_key: ${UNSET}\n"
                           "smtp:\n"
                           "  host: smtp.example.com\n"
                           "  username: raven@example.com\n"
                           "  envelope_from: raven@example.com\n"
                           "  password_file: /nonexistent/raven-pw\n",
                       options, dir.str());
  EXPECT_FALSE(std::filesystem::exists(marker)) << "password_command ran";
  EXPECT_EQ(c.imap.password, "");
  EXPECT_EQ(c.llm->api_key, "");
  EXPECT_EQ(c.smtp->password, "");
}

TEST(ConfigSecrets, WithoutResolvingAMissingSecretIsNoProblemButTwoSourcesAre) {
  LoadOptions options = testing::options_with({});
  options.resolve_secrets = false;
  EXPECT_EQ(testing::problems(kHead, options), std::vector<std::string>{});
  EXPECT_EQ(testing::problems(std::string(kHead) + "  password: a\n  password_command: c\n", options),
            (std::vector<std::string>{
                "imap.password_command: cannot be combined with password (line 5); set only one of password, "
                "password_file, password_command"}));
}

}  // namespace
}  // namespace raven::config
