// Session::uid_store_add_flags — UID STORE +FLAGS.SILENT (RFC 3501 §6.4.6).
// SILENT: the server need not echo the new flags; we do not use them.
#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {

void Session::uid_store_add_flags(const std::vector<Uid>& uids, const std::vector<std::string>& flags) {
  etpan::FlagListPtr list = make_flag_list(flags);  // checks every flag first
  if (uids.empty() || !list) return;
  etpan::SetPtr set = make_uid_set(uids);
  etpan::StoreAttPtr att(mailimap_store_att_flags_new_add_flags_silent(list.get()));
  if (!att) throw std::bad_alloc();
  list.release();  // owned by `att`
  Impl& s = *impl_;
  const int r = s.run([&] { return mailimap_uid_store(s.imap.get(), set.get(), att.get()); });
  s.check(r, "UID STORE");
}

}  // namespace raven::imap
