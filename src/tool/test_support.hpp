// Helpers shared by the tool module's tests: a temporary directory, a valid
// Spec to vary, and the problems of validate() as text.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tool/config.hpp"

namespace raven::tool::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raven-tool-XXXXXX").string();
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

  // Writes `content` to `name` inside the directory (mode 0700 if
  // executable, else 0600); returns the full path.
  std::string write(const std::string& name, const std::string& content, bool executable = false) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), executable ? 0700 : 0600);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// A valid tool running `command`, with one required string parameter `x`.
inline Spec spec_running(std::vector<std::string> command) {
  Spec s;
  s.name = "test_tool";
  s.description = "A tool for tests.";
  s.command = std::move(command);
  s.parameters = {{"type", "object"},
                  {"properties", {{"x", {{"type", "string"}}}}},
                  {"required", {"x"}},
                  {"additionalProperties", false}};
  return s;
}

// Problems as "field: message".
inline std::vector<std::string> lines(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.field + ": " + p.message);
  return out;
}

}  // namespace raven::tool::testing
