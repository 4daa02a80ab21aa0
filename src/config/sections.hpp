// The top-level sections of the config file and how each is read (internal).
//
// Adding a section: write `void read_<name>(MapReader&, Config&)` in
// section_<name>.cpp (one getter per key), add its field to config::Config
// (std::optional for a section that may be absent: read_<name> emplaces it),
// and add one row to the table in sections.cpp. load.cpp then rejects unknown
// keys in it, runs the module's validate() and locates its problems. A rule
// that involves two sections goes in link_sections() (section_links.cpp).
//
// A list section (tools:) is a YAML sequence rather than a mapping: its row
// sets `list`, its read function gets the root reader and reads its own key
// with MapReader::maps() (one reader per element, path "tools[1]"), and the
// fields of its validate()'s problems start with the element ("[1].timeout").
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/problem.hpp"
#include "config/config.hpp"
#include "config/report.hpp"
#include "config/yaml_reader.hpp"

namespace raven::config::detail {

struct Section {
  std::string_view name;
  // A missing required section is one problem ("imap: section is required"),
  // and its validate() is skipped: its defaults would only add noise.
  bool required;
  void (*read)(MapReader& yaml, Config& config);
  // The owning module's checks on the values read; nullptr if it has none.
  // Runs only for a section that is present (after link_sections()).
  Problems (*validate)(const Config& config);
  // A sequence of entries, not a mapping (see above).
  bool list = false;
};

// In file-documentation order.
std::span<const Section> sections();

void read_imap(MapReader& yaml, Config& config);
void read_intake(MapReader& yaml, Config& config);
void read_filter(MapReader& yaml, Config& config);
void read_policy(MapReader& yaml, Config& config);
void read_answer(MapReader& yaml, Config& config);
void read_llm(MapReader& yaml, Config& config);
// A list section: `root` is the root reader.
void read_tools(MapReader& root, Config& config);
void read_smtp(MapReader& yaml, Config& config);
void read_state(MapReader& yaml, Config& config);
void read_log(MapReader& yaml, Config& config);

// Rules between sections, run after every section is read and before any
// validate(): smtp is required when answer.mode is send; smtp.envelope_from
// defaults to the address in answer.from; policy.addresses gains the address
// in answer.from and the IMAP user (when it is an address); state.path
// defaults to store::default_state_path().
void link_sections(Config& config, Report& report);

// The three keys that can each supply one secret.
struct SecretKeys {
  std::string_view value;    // "password": the secret itself (use ${ENV})
  std::string_view file;     // "password_file": a file holding it
  std::string_view command;  // "password_command": a command printing it
};
inline constexpr SecretKeys kPasswordKeys{"password", "password_file", "password_command"};
inline constexpr SecretKeys kApiKeyKeys{"api_key", "api_key_file", "api_key_command"};

enum class Need { required, optional };

// At most one of `keys` (exactly one if required) → the resolved secret in
// `out`; untouched when none is given or options.resolve_secrets is false.
// Problems name the key, never the secret.
void read_secret(MapReader& yaml, const SecretKeys& keys, Need need, std::string& out);

}  // namespace raven::config::detail
