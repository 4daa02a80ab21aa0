// The top-level sections of the config file and how each is read (internal).
//
// Adding a section: write `void read_<name>(MapReader&, Config&)` in
// section_<name>.cpp (one getter per key), add its field to config::Config,
// and add one row to the table in sections.cpp. load.cpp then rejects unknown
// keys in it, runs the module's validate() and locates its problems.
#pragma once

#include <span>
#include <string_view>

#include "common/problem.hpp"
#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace raven::config::detail {

struct Section {
  std::string_view name;
  // A missing required section is one problem ("imap: section is required"),
  // and its validate() is skipped: its defaults would only add noise.
  bool required;
  void (*read)(MapReader& yaml, Config& config);
  // The owning module's checks on the values read; nullptr if it has none.
  Problems (*validate)(const Config& config);
};

// In file-documentation order.
std::span<const Section> sections();

void read_imap(MapReader& yaml, Config& config);
void read_intake(MapReader& yaml, Config& config);
void read_filter(MapReader& yaml, Config& config);
void read_log(MapReader& yaml, Config& config);

// password / password_file / password_command → the resolved password.
void read_password(MapReader& yaml, std::string& out);

}  // namespace raven::config::detail
