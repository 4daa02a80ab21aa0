// Session::append — APPEND (RFC 3501 §6.3.11), with the new UID from
// APPENDUID when the server has UIDPLUS (RFC 4315 §3).
#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {

Uid Session::append(const std::string& mailbox, std::string_view message, const std::vector<std::string>& flags) {
  check_text("mailbox", mailbox);
  if (mailbox.empty()) throw Error(ErrorKind::permanent, "imap: mailbox name is empty");
  // A literal carries any octet but NUL (RFC 3501 §4.3, CHAR8).
  if (message.find('\0') != std::string_view::npos) {
    throw Error(ErrorKind::permanent, "imap: message to append contains NUL");
  }
  etpan::FlagListPtr list = make_flag_list(flags);
  Impl& s = *impl_;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  const bool uidplus = s.has("UIDPLUS");
  const int r = s.run([&] {
    return uidplus ? mailimap_uidplus_append(s.imap.get(), mailbox.c_str(), list.get(), nullptr, message.data(),
                                             message.size(), &uidvalidity, &uid)
                   : mailimap_append(s.imap.get(), mailbox.c_str(), list.get(), nullptr, message.data(),
                                     message.size());
  });
  s.check(r, "APPEND to " + mailbox);
  return uidplus ? uid : 0;
}

}  // namespace raven::imap
