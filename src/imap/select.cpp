// Session::select / examine — SELECT and EXAMINE (RFC 3501 §6.3.1, §6.3.2).
#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {

MailboxStatus Session::open_mailbox(const std::string& mailbox, bool read_only, ErrorKind missing) {
  Impl& s = *impl_;
  check_text("mailbox", mailbox);
  if (mailbox.empty()) throw Error(ErrorKind::permanent, "imap: mailbox name is empty");
  const int r = s.run([&] {
    return read_only ? mailimap_examine(s.imap.get(), mailbox.c_str()) : mailimap_select(s.imap.get(), mailbox.c_str());
  });
  s.check(r, (read_only ? "EXAMINE " : "SELECT ") + mailbox, missing);
  MailboxStatus status;
  if (const mailimap_selection_info* info = s.imap->imap_selection_info) {
    status.uidvalidity = info->sel_uidvalidity;
    status.exists = info->sel_exists;
    status.uidnext = info->sel_uidnext;
  }
  return status;
}

// A mailbox that does not exist is a configuration problem: fatal.
MailboxStatus Session::select(const std::string& mailbox) {
  return open_mailbox(mailbox, false, ErrorKind::fatal);
}

MailboxStatus Session::examine(const std::string& mailbox) {
  return open_mailbox(mailbox, true, ErrorKind::permanent);
}

}  // namespace raven::imap
