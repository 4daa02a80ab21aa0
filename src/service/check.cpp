// `raven check`: the daemon's policy decision on one message file, explained.
// See check.hpp for the output and why.
#include "service/check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "common/text.hpp"
#include "filter/filter.hpp"
#include "message/limits.hpp"
#include "message/parse.hpp"
#include "policy/policy.hpp"

namespace raven::service {
namespace {

// The authentication line when decide() did not run rule 3 itself.
std::string authentication_line(const message::Request& request, const policy::Config& policy) {
  const policy::Authentication& auth = policy.authentication;
  if (auth.authserv_id.empty())
    return "authentication: not required (policy.authentication.require is false)";
  const policy::AuthVerdict verdict = policy::authenticate(request, auth);
  const std::string what = verdict.pass ? "would pass" : "would fail";
  if (!auth.require) {
    return "authentication: not required (policy.authentication.require is false); it " + what + ": " +
           verdict.sentence;
  }
  return "authentication: not reached (an earlier rule decided); it " + what + ": " + verdict.sentence;
}

}  // namespace

void check_message(const config::Config& config, std::string_view name, std::string_view message,
                   const std::optional<std::string>& envelope_from, std::ostream& out) {
  const message::Limits limits;
  const message::Request request = message::parse_message(message, limits);
  const filter::Filter allow(config.filter);
  const policy::Decision d = policy::decide(request, envelope_from, config.policy, allow);

  if (d.answered()) {
    out << "answer\n";
  } else {
    out << "skip: " << d.code << "\n";
  }
  out << printable(d.sentence) << "\n";
  out << "message: " << printable(name);
  if (!request.message_id.empty()) out << " (Message-ID <" << printable(request.message_id) << ">)";
  out << "\n";
  if (message.size() > limits.max_message_bytes) {
    out << "note: only the first " << limits.max_message_bytes << " bytes of the file were read\n";
  }
  if (request.reason_kind == message::NoTextReason::unparseable) {
    out << "note: the message could not be parsed: " << printable(request.reason) << "\n";
  }
  out << "rule: " << policy::rule_of(d.code) << "\n";
  bool authentication_shown = false;
  for (const std::string& line : d.evidence) {
    if (line.starts_with("authentication:")) authentication_shown = true;
    out << printable(line) << "\n";
  }
  if (!authentication_shown) out << printable(authentication_line(request, config.policy)) << "\n";
  out << "budgets: not checked (they depend on the journal)\n";
}

int check(const config::Config& config, const std::string& message_path,
          const std::optional<std::string>& envelope_from, std::ostream& out, std::ostream& err) {
  const auto cannot_read = [&](const std::string& why) {
    err << "raven check: cannot read " << printable(message_path) << ": " << why << "\n";
    return kCheckUnreadable;
  };
  const int fd = ::open(message_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot_read(std::system_category().message(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return cannot_read(std::system_category().message(errno));
  if (!S_ISREG(st.st_mode)) return cannot_read("not a regular file");

  // One byte past the parser's limit, so that check_message() can say the
  // rest was ignored.
  const std::size_t cap = message::Limits{}.max_message_bytes + 1;
  std::string bytes;
  char buffer[65536];
  while (bytes.size() < cap) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return cannot_read(std::system_category().message(errno));
    }
    if (n == 0) break;
    bytes.append(buffer, std::min(static_cast<std::size_t>(n), cap - bytes.size()));
  }
  check_message(config, message_path, bytes, envelope_from, out);
  return kCheckVerdict;
}

}  // namespace raven::service
