// password_file: the secret is the file's content minus one trailing newline.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "common/unique_fd.hpp"
#include "config/secrets.hpp"

namespace raven::config::detail {
namespace {

std::string reason(int error) {
  return std::system_category().message(error);
}

}  // namespace

void strip_one_newline(std::string& s) {
  if (!s.ends_with('\n')) return;
  s.pop_back();
  if (s.ends_with('\r')) s.pop_back();
}

SecretResult read_secret_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO by mistake must not hang start-up; the
  // regular-file check below then rejects it.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return {std::nullopt, "cannot read " + path + ": " + reason(errno)};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return {std::nullopt, "cannot read " + path + ": " + reason(errno)};
  if (!S_ISREG(st.st_mode)) return {std::nullopt, path + " is not a regular file"};

  std::string content;
  char buffer[4096];
  while (content.size() <= kMaxSecretBytes) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {std::nullopt, "cannot read " + path + ": " + reason(errno)};
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  if (content.size() > kMaxSecretBytes) return {std::nullopt, path + " is larger than 64 KiB"};

  strip_one_newline(content);
  if (content.empty()) return {std::nullopt, path + " is empty"};
  return {std::move(content), {}};
}

}  // namespace raven::config::detail
