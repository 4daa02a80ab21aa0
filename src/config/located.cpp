// Located problems, ConfigError, and the process environment.
#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "config/config.hpp"

namespace raven::config {
namespace {

// Sorts in place (file order) and joins, so the base class gets the final text.
std::string sort_and_join(std::vector<Located>& problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const Located& a, const Located& b) {
    return std::tie(a.line, a.path) < std::tie(b.line, b.path);
  });
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}

}  // namespace

std::string Located::to_string() const {
  std::string out = path.empty() ? message : path + ": " + message;
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  if (!hint.empty()) out += "; " + hint;
  return out;
}

ConfigError::ConfigError(std::vector<Located> problems)
    : Error(ErrorKind::fatal, sort_and_join(problems)), problems_(std::move(problems)) {}

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; the copy is cheap and rare. Raven
    // never calls setenv, so reading the environment from any thread is safe.
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace raven::config
