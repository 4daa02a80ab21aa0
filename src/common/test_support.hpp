// Helpers for the unit tests of any module: a temporary directory, and
// whether a process has died. Not part of the library; header only, so that
// every test target gets it through raven_common's include path.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace raven::test {

// A fresh directory under $TMPDIR (or /tmp), removed with all its contents on
// destruction. Not thread-safe.
class TempDir {
 public:
  // The directory is named `prefix` plus six random characters.
  explicit TempDir(std::string_view prefix = "raven-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + "-XXXXXX";
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

// True if `pid` no longer runs: gone, or a zombie nobody reaped yet (a
// container's pid 1 may not reap).
inline bool is_dead(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!f || !std::getline(f, stat)) return true;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

// Blocks until `pid` is dead (is_dead) or `limit` has passed; true if dead.
inline bool dies_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!is_dead(pid) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return is_dead(pid);
}

}  // namespace raven::test
