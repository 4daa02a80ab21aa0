// raven::tool::Spec — one tool the model may call: a local program declared in
// the `tools:` section of the config, with a JSON Schema for its arguments.
//
// Why a declaration and not a shell line: whoever can email Raven can try to
// steer the model, so what a tool may do must be fixed in the file. The model
// only chooses a declared tool and argument values; Raven checks the values
// against the schema, substitutes them into whole argv elements (never a
// shell, never word splitting) and runs the program with a scrubbed
// environment and hard limits. A hostile email can at worst make a declared
// tool run with arguments its schema allows (docs/tools.md).
//
// Filled by the config module (section_tools.cpp); validate() runs once at
// start-up (and for `raven check-config`) and reports every problem, with
// fields relative to the tool ("command[0]", "parameters.properties.id.pattern").
// Values are plain data: copy freely, any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/problem.hpp"

namespace raven::tool {

// What the program gets on stdin.
enum class Input {
  none,  // /dev/null
  json,  // the arguments as one JSON object, then EOF
};

enum class Sandbox {
  none,   // runs as Raven's user, with Raven's view of the system
  bwrap,  // bubblewrap: read-only root, private /tmp, no network (docs/tools.md)
};

// The PATH a tool gets when its env does not set one, and where a command
// given as a bare name is looked up.
inline constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// Where bubblewrap must be for `sandbox: bwrap` (Debian package bubblewrap).
inline constexpr std::string_view kBwrapPath = "/usr/bin/bwrap";
// Environment variables Raven sets for every run; env may not set them.
inline constexpr std::string_view kSenderVar = "RAVEN_SENDER";
inline constexpr std::string_view kMessageIdVar = "RAVEN_MESSAGE_ID";
inline constexpr std::string_view kSubjectVar = "RAVEN_SUBJECT";

inline constexpr std::chrono::milliseconds kMaxTimeout{std::chrono::minutes(10)};
inline constexpr std::size_t kMaxOutputLimit = std::size_t{16} << 20;

struct Spec {
  // [A-Za-z0-9_-]{1,64}, unique among the tools; the function name the model sees.
  std::string name;
  // Required: the model reads it to decide when to call the tool.
  std::string description;
  // The program and its arguments. command[0] is an absolute path, or a bare
  // name looked up once, at load, on the tool's PATH (env.PATH, else
  // kDefaultPath); the config module resolves a relative path with a '/'
  // against the config file's directory. Other elements may hold
  // placeholders: "{order_id}" is replaced by that argument's value inside
  // the element; "{{" and "}}" are literal braces.
  std::vector<std::string> command;
  // JSON Schema of the arguments (an object), sent to the model as is and
  // enforced before the program runs (schema.hpp lists the keywords).
  // Default: no arguments at all.
  nlohmann::json parameters = default_parameters();
  Input input = Input::none;  // YAML key `stdin`
  // From start to SIGTERM of its process group; SIGKILL follows after a grace
  // period (2 s). At most kMaxTimeout.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // stdout bytes kept for the model (1 B to kMaxOutputLimit); the rest is
  // read and dropped, and the result is marked truncated.
  std::size_t max_output = std::size_t{64} << 10;
  // Absolute; empty = Raven's own working directory. Writable in the sandbox.
  std::string working_dir;
  // The tool's whole environment, with PATH (default kDefaultPath) and the
  // RAVEN_* variables of the message being answered. Names are
  // [A-Za-z_][A-Za-z0-9_]*; RAVEN_SENDER, RAVEN_MESSAGE_ID, RAVEN_SUBJECT are Raven's.
  std::map<std::string, std::string> env;
  Sandbox sandbox = Sandbox::none;
  // bwrap only: whether the sandbox keeps the network (default: no). Set with
  // sandbox none it is a problem, since it would promise an isolation that
  // is not there.
  std::optional<bool> network;
  // Who may have this tool offered: exact addresses or @domain, matched like
  // filter.senders. Empty: whoever may ask Raven at all.
  std::vector<std::string> allow_senders;

  // Every problem; empty when the tool can be loaded. Checks the file system
  // (command, working_dir, bwrap). Never throws.
  Problems validate() const;

  // {"type":"object","properties":{},"additionalProperties":false}
  static nlohmann::json default_parameters();
};

// The `tools:` section: the tools in file order.
using Config = std::vector<Spec>;

// Every tool's problems with fields prefixed "[i]." ("[1].timeout"), plus
// duplicate names. Never throws.
Problems validate(const Config& tools);

// True for [A-Za-z0-9_-]{1,64}.
bool valid_name(std::string_view name) noexcept;

}  // namespace raven::tool
