// Secrets from outside the config file: password_file and password_command
// (internal to the config module).
//
// Why: a password in a YAML file ends up in backups and version control. These
// let it come from a file readable only by Raven, or from a secret manager
// (`pass show raven/imap`, `secret-tool lookup …`, a vault CLI).
//
// Both strip one trailing newline ("\n" or "\r\n"), since editors and
// commands add one; anything else, inner newlines included, is kept.
// Neither ever puts the secret in `error`.
//
// Blocking: both block the calling thread; run_secret_command for at most
// `timeout`. Called once at start-up from the loading thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace raven::config::detail {

// Upper bound for a secret read from a file or a command's stdout.
inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;

struct SecretResult {
  std::optional<std::string> secret;  // set on success (may be multi-line, never empty)
  std::string error;                  // set on failure: a sentence fragment, no secret
};

// Reads the whole file at `path` (already resolved against the config
// directory). Fails if it cannot be read, is not a regular file, is larger
// than kMaxSecretBytes, or is empty after stripping the newline. File
// permissions are not checked (see docs/configuration.md).
SecretResult read_secret_file(const std::string& path);

// Runs argv[0] (looked up in PATH by posix_spawnp, no shell) with argv, in
// working directory `cwd` (the config file's directory) and a process group of
// its own (raven::ChildProcess: other fds closed, signal dispositions reset).
// stdin is /dev/null; stdout (at most kMaxSecretBytes) is the secret;
// the first line of stderr explains a failure. After `timeout` the whole
// process group is killed with SIGKILL. Fails on a spawn error, a timeout, a
// non-zero exit or a signal, too much output, or empty output.
SecretResult run_secret_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                const std::string& cwd);

// Removes one trailing "\n" or "\r\n", if any.
void strip_one_newline(std::string& s);

// {"/bin/sh", "-c", command}: how a password_command given as one string runs.
std::vector<std::string> shell_argv(const std::string& command);

}  // namespace raven::config::detail
