#include "store/config.hpp"

#include <climits>
#include <cstdlib>
#include <string_view>

namespace raven::store {

Problems Config::validate() const {
  Problems problems;
  if (path.empty()) {
    problems.push_back({"path", "must not be empty"});
  } else if (path.find('\0') != std::string::npos) {
    problems.push_back({"path", "must not contain a NUL byte"});
  }
  // sqlite3_busy_timeout() takes an int of milliseconds.
  if (busy_timeout.count() < 0 || busy_timeout.count() > INT_MAX) {
    problems.push_back({"busy_timeout", "must be between 0 and 2147483647 ms"});
  }
  return problems;
}

std::string default_state_path() {
  // XDG Base Directory Specification 0.8: "If $XDG_STATE_HOME is either not
  // set or empty, a default equal to $HOME/.local/state should be used", and
  // relative paths "are invalid and should be ignored". getenv is documented
  // in config.hpp as main-thread only (nothing calls setenv concurrently).
  const char* xdg = std::getenv("XDG_STATE_HOME");  // NOLINT(concurrency-mt-unsafe)
  if (xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/raven/journal.db";
  }
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe)
  if (home != nullptr && home[0] != '\0') {
    return std::string(home) + "/.local/state/raven/journal.db";
  }
  return {};
}

}  // namespace raven::store
