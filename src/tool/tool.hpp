// raven::tool::Tool — one declared tool, loaded: its program resolved, its
// schema compiled, its command template parsed, its sender list ready.
//
// Why a loaded form next to Spec: everything that can be checked once is
// checked once, at start-up, so that a call from the model costs a schema
// check and a substitution, and the program that runs is the one that was
// checked (no PATH lookup per call).
//
// prepare() is the gate between the model and the program: it refuses
// arguments that are not a JSON object, nest deeper than kMaxArgumentDepth
// or break the schema, with a message for the model; only then does it build
// the argv and the stdin bytes.
//
// Immutable after construction; all members are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "filter/filter.hpp"
#include "tool/argv.hpp"
#include "tool/config.hpp"
#include "tool/schema.hpp"

namespace raven::tool {

inline constexpr int kMaxArgumentDepth = 32;

// What to run for one call: argv[0] is command[0] as written, the rest
// substituted; `input` is the stdin bytes (stdin: json), else empty.
struct Invocation {
  std::vector<std::string> argv;
  std::string input;
};

class Tool {
 public:
  // Throws raven::Error (fatal) listing spec.validate()'s problems, if any.
  // Reads the file system (the program, working_dir, bwrap).
  explicit Tool(Spec spec);

  const Spec& spec() const noexcept { return spec_; }
  const std::string& name() const noexcept { return spec_.name; }
  // The absolute path that is executed (command[0] resolved at load).
  const std::string& program() const noexcept { return program_; }
  const Schema& schema() const noexcept { return schema_; }

  // Whether this tool may be offered for mail from `sender` (a bare,
  // already parsed address): allow_senders is empty, or lists it or its
  // domain (case-insensitive, like filter.senders).
  bool offered_to(std::string_view sender) const;

  // Checks `arguments` and builds the invocation. The arguments given to the
  // program are the model's, plus the `default` of each absent top-level
  // parameter that has one. Returns the refusal (a sentence for the model,
  // naming the violations) when the tool must not run.
  std::variant<Invocation, std::string> prepare(const nlohmann::json& arguments) const;

 private:
  Spec spec_;
  std::string program_;
  Schema schema_;
  std::vector<Element> elements_;  // command[1..]
  filter::Filter senders_;
};

}  // namespace raven::tool
