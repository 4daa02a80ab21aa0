// Helpers shared by the config module's tests: a temporary directory, an
// injected environment, and "load this and give me the problems as text".
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/test_support.hpp"
#include "config/config.hpp"

namespace raven::config::testing {

// A temporary directory named raven-config-XXXXXX (common/test_support.hpp).
class TempDir : public raven::test::TempDir {
 public:
  TempDir() : raven::test::TempDir("raven-config") {}
};

inline Environment env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline LoadOptions options_with(std::map<std::string, std::string, std::less<>> vars) {
  LoadOptions o;
  o.env = env_of(std::move(vars));
  return o;
}

// The problems of loading `yaml`, as to_string() lines; empty if it loaded.
inline std::vector<std::string> problems(std::string_view yaml, const LoadOptions& options = options_with({}),
                                         const std::string& base_dir = ".") {
  try {
    load_string(yaml, options, base_dir);
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& p : e.problems()) out.push_back(p.to_string());
    return out;
  }
  return {};
}

// A valid imap section, to which tests add their lines.
inline constexpr const char* kImap =
    "imap:\n"
    "  host: mail.example.com\n"
    "  username: raven@example.com\n"
    "  password: hunter2\n";

}  // namespace raven::config::testing
