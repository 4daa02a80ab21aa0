#include "tool/program.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace raven::tool::detail {
namespace {

// Empty when `path` is a regular file we may execute; else why not.
std::string unusable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "does not exist" : "cannot be used: " + std::system_category().message(errno);
  }
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "is not executable";
  return {};
}

}  // namespace

std::optional<std::string> resolve_program(const std::string& program, std::string_view path_var,
                                           std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<std::string> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (program.empty()) return fail("must name a program");
  if (program.front() == '/') {
    std::string why = unusable(program);
    if (!why.empty()) return fail(program + " " + why);
    return program;
  }
  if (program.find('/') != std::string::npos)
    return fail("\"" + program + "\" must be an absolute path, or a bare name looked up on PATH");
  std::string first_problem;
  std::size_t start = 0;
  while (start <= path_var.size()) {
    std::size_t end = path_var.find(':', start);
    if (end == std::string_view::npos) end = path_var.size();
    const std::string_view dir = path_var.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir.front() != '/') continue;  // relative entries: never the working directory
    std::string candidate(dir);
    if (candidate.back() != '/') candidate += '/';
    candidate += program;
    const std::string why = unusable(candidate);
    if (why.empty()) return candidate;
    if (why != "does not exist" && first_problem.empty()) first_problem = candidate + " " + why;
  }
  if (!first_problem.empty()) return fail("\"" + program + "\" was found on PATH, but " + first_problem);
  return fail("\"" + program + "\" was not found on PATH (" + std::string(path_var) +
              "); give an absolute path, or set env.PATH");
}

}  // namespace raven::tool::detail
