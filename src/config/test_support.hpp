// Helpers shared by the config module's tests: a temporary directory, an
// injected environment, and "load this and give me the problems as text".
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace raven::config::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raven-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  // Writes `content` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& content, bool executable = false) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    if (executable) ::chmod(p.c_str(), 0700);
    return p.string();
  }

 private:
  std::filesystem::path path_;
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
