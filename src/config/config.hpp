// raven::config — one YAML file → one validated Config struct per module.
//
// Why a module of its own: every problem in a config must be reported at once,
// with its YAML path and line, before anything connects (DESIGN.md,
// "Configuration"), and unknown keys are errors so a typo never passes
// silently. Modules own their Config structs and validate() their values; this
// module owns YAML: reading, types, durations, byte sizes, ${ENV}
// interpolation, secrets from password_file / password_command (and
// api_key_file / api_key_command), the rules between sections, and turning
// each module's Problems into `imap.port: must be 1-65535 (line 7)`.
//
// Blocking: load_file() reads files and may run password_command (bounded by a
// timeout; never with LoadOptions::resolve_secrets false). Call it from one
// thread at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "answer/config.hpp"
#include "common/error.hpp"
#include "filter/config.hpp"
#include "imap/config.hpp"
#include "intake/config.hpp"
#include "llm/config.hpp"
#include "log/log.hpp"
#include "policy/policy.hpp"
#include "smtp/config.hpp"
#include "store/config.hpp"
#include "tool/config.hpp"

namespace raven::config {

struct Config {
  imap::Config imap;  // required
  intake::Config intake;
  filter::Config filter;

  // Sections that may be absent (for now: a watch-only config has none of
  // them). Each is set exactly when the file has the section, even an empty
  // one (`llm:` alone: the module's defaults, and its validate() then reports
  // what is missing), and only a present section is validated. nullopt means
  // "not configured": never read a default from an absent section.
  //  - answer: present and mode send → smtp is required
  //    ("smtp: section is required when answer.mode is send"). answer.from is
  //    also checked to be one mailbox ("Raven <raven@example.com>"), with the
  //    parser the reply composer uses.
  //  - smtp: envelope_from, when absent or "", is the address in answer.from
  //    (if answer is present).
  //  - llm: api_key may come from api_key_file / api_key_command, or be absent.
  std::optional<answer::Config> answer;
  std::optional<llm::Config> llm;
  std::optional<smtp::Config> smtp;

  // The tools the model may call (tools:, a list; empty when absent). A
  // relative command[0] containing '/' and a relative working_dir are
  // resolved against the config file's directory; a bare command name is
  // checked on the tool's PATH by tool::Spec::validate().
  std::vector<tool::Spec> tools;

  // Which messages are answered at all (policy:, optional; its defaults when
  // absent). `addresses` also holds the address in answer.from and the IMAP
  // user when that is an address, added after reading (no duplicates,
  // compared case-insensitively), so it is the complete list policy needs.
  policy::Config policy;

  // The journal (always used by `raven run` and `raven status`). path is
  // never empty after loading unless neither XDG_STATE_HOME nor HOME is
  // usable; Journal then refuses to open with that problem.
  store::Config state;

  log::Config log;
};

// One problem, located. `path` is the dotted YAML path ("imap.port",
// "filter.senders[1]"); line is 1-based, 0 when unknown (a missing key is
// reported at its section's line, or 0 for a missing section).
// `hint` is optional advice printed after the line, so the place stays easy to
// spot: `imap.hots: unknown key (line 3); did you mean "host"?`. An empty path
// means the whole file (an empty file, a YAML syntax error).
struct Located {
  std::string path;
  int line = 0;
  std::string message;
  // `{}` lets Located{path, line, message} compile without -Wmissing-field-initializers.
  std::string hint{};
  std::string to_string() const;  // "imap.port: must be 1-65535 (line 7)"
};

// Thrown by load_*: every problem found, in file order (by line, then path;
// line 0 first). kind() is fatal; what() is every to_string() joined by '\n'.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<Located> problems);
  const std::vector<Located>& problems() const noexcept { return problems_; }

 private:
  std::vector<Located> problems_;
};

// Looks up an environment variable (injected so tests need not touch the
// process environment). Default: ::getenv.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

struct LoadOptions {
  Environment env = process_environment();
  // Upper bound for password_command.
  std::chrono::milliseconds command_timeout{std::chrono::seconds(10)};
  // false: leave every secret (imap/smtp password, llm api_key) empty without
  // reading its value, ${ENV}, file or command, and do not report a missing
  // one. For commands that never connect (`raven status`): a password_command
  // may be slow, prompt, or be unavailable to the operator running them.
  // Giving more than one of password / password_file / password_command is
  // still a problem.
  bool resolve_secrets = true;
};

// Parses, interpolates, resolves secrets, validates. Throws ConfigError with
// every problem; never returns a partially valid Config.
Config load_file(const std::string& path, const LoadOptions& options = {});
Config load_string(std::string_view yaml, const LoadOptions& options = {},
                   const std::string& base_dir = ".");

// Go's time.ParseDuration syntax: "300ms", "1.5h", "2h45m", "-1m". Units ns,
// us (µs), ms, s, m, h. Returns nullopt (with `error` set) when malformed;
// like Go's, the error quotes the input: `missing unit in duration "25"`.
// Pure; any thread.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text, std::string* error = nullptr);

// A byte size: a whole number of bytes ("65536"), optionally followed by a
// binary unit ("64KiB", "1MiB", "2GiB", "512B"; spaces before the unit are
// allowed). Decimal units (KB, MB, GB, k, M, …) are rejected as ambiguous
// rather than guessed. Returns nullopt (with `error` set, quoting the input)
// when malformed or above 2^64-1. Pure; any thread.
std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* error = nullptr);

}  // namespace raven::config
