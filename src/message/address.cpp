#include "message/address.hpp"

#include <string>

#include "common/text.hpp"
#include "message/gmime_ptr.hpp"
#include "message/init.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

constexpr std::size_t kMaxAddrSpec = 254;
constexpr std::size_t kMaxName = 256;

}  // namespace

bool is_plain_addr_spec(std::string_view address) noexcept {
  if (address.empty() || address.size() > kMaxAddrSpec) return false;
  const std::size_t at = address.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  for (char c : address) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' ||
        c == '\\') {
      return false;
    }
  }
  return true;
}

std::optional<Address> parse_address(std::string_view text) {
  init();
  if (has_line_break_or_nul(text) || trim(text).empty()) return std::nullopt;
  auto options = detail::new_parser_options();
  const std::string copy(text);
  auto list = detail::adopt(internet_address_list_parse(options.get(), copy.c_str()));
  if (!list || internet_address_list_length(list.get()) != 1) return std::nullopt;
  InternetAddress* ia = internet_address_list_get_address(list.get(), 0);
  if (!detail::is_mailbox(ia)) return std::nullopt;
  Address out;
  out.address = detail::copy_string(internet_address_mailbox_get_addr(detail::as_mailbox(ia)));
  if (!is_plain_addr_spec(out.address) || !is_valid_utf8(out.address)) return std::nullopt;
  out.name = header_safe(detail::copy_string(internet_address_get_name(ia)), kMaxName);
  return out;
}

}  // namespace raven::message
