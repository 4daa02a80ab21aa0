#include "policy/address_list.hpp"

#include "common/text.hpp"
#include "message/gmime_ptr.hpp"
#include "message/init.hpp"

namespace raven::policy::detail {
namespace {

namespace md = raven::message::detail;

void add_mailboxes(InternetAddressList* list, std::size_t max, std::vector<std::string>& out, int depth) {
  if (list == nullptr) return;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n && out.size() < max; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (md::is_mailbox(a)) {
      std::string addr = md::copy_string(internet_address_mailbox_get_addr(md::as_mailbox(a)));
      if (!trim(addr).empty()) out.emplace_back(trim(addr));
    } else if (md::is_group(a) && depth == 0) {  // RFC 5322 §3.4: groups do not nest
      add_mailboxes(internet_address_group_get_members(md::as_group(a)), max, out, depth + 1);
    }
  }
}

}  // namespace

std::vector<std::string> parse_address_list(std::string_view value, std::size_t max) {
  std::vector<std::string> out;
  if (trim(value).empty() || max == 0) return out;
  message::init();
  // GMime stops at NUL; a NUL in a header is already a defect, so cut there.
  const std::string copy(value.substr(0, value.find('\0')));
  auto options = md::new_parser_options();
  auto list = md::adopt(internet_address_list_parse(options.get(), copy.c_str()));
  add_mailboxes(list.get(), max, out, 0);
  return out;
}

}  // namespace raven::policy::detail
