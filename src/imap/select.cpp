// Session::select — SELECT (RFC 3501 §6.3.1).
#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {

MailboxStatus Session::select(const std::string& mailbox) {
  check_text("mailbox", mailbox);
  if (mailbox.empty()) throw Error(ErrorKind::permanent, "imap: mailbox name is empty");
  Impl& s = *impl_;
  const int r = s.run([&] { return mailimap_select(s.imap.get(), mailbox.c_str()); });
  // A mailbox that does not exist is a configuration problem: fatal.
  s.check(r, "SELECT " + mailbox, ErrorKind::fatal);
  MailboxStatus status;
  if (const mailimap_selection_info* info = s.imap->imap_selection_info) {
    status.uidvalidity = info->sel_uidvalidity;
    status.exists = info->sel_exists;
    status.uidnext = info->sel_uidnext;
  }
  return status;
}

}  // namespace raven::imap
