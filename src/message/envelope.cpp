#include "message/envelope.hpp"

#include <string>
#include <vector>

#include "common/text.hpp"
#include "message/gmime_ptr.hpp"
#include "message/message_id.hpp"
#include "message/utf8.hpp"

namespace raven::message::detail {
namespace {

// RFC 5322 §2.1.1: a line is at most 998 characters; a subject longer than
// that is not one a person wrote.
constexpr std::size_t kMaxSubject = 998;
constexpr std::size_t kMaxName = 256;
// RFC 5321 §4.5.3.1.3: a path is at most 256 octets.
constexpr std::size_t kMaxAddress = 256;

// An addr-spec must be one token: no spaces, controls, or brackets.
std::string clean_address(const char* raw) {
  std::string a = sanitize_utf8(copy_string(raw));
  if (a.empty() || a.size() > kMaxAddress) return {};
  for (char c : a) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '<' || c == '>' || c == ',') return {};
  }
  return a;
}

void add_mailboxes(InternetAddressList* list, std::size_t max, std::vector<Address>& out, int depth = 0) {
  if (list == nullptr) return;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n && out.size() < max; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (is_mailbox(a)) {
      Address addr;
      addr.address = clean_address(internet_address_mailbox_get_addr(as_mailbox(a)));
      if (addr.address.empty()) continue;
      addr.name = header_safe(copy_string(internet_address_get_name(a)), kMaxName);
      out.push_back(std::move(addr));
    } else if (is_group(a) && depth == 0) {  // RFC 5322 groups do not nest
      add_mailboxes(internet_address_group_get_members(as_group(a)), max, out, depth + 1);
    }
  }
}

std::vector<std::string> parse_ids(GMimeParserOptions* options, const char* raw) {
  std::vector<std::string> ids;
  if (raw == nullptr) return ids;
  GMimeReferences* refs = g_mime_references_parse(options, raw);
  if (refs == nullptr) return ids;
  const int n = g_mime_references_length(refs);
  for (int i = 0; i < n; ++i) {
    std::string id = clean_message_id(copy_string(g_mime_references_get_message_id(refs, i)));
    if (!id.empty()) ids.push_back(std::move(id));
  }
  g_mime_references_free(refs);
  return ids;
}

// Keeps the first id (the thread's root) and the newest ones.
std::vector<std::string> cap_references(std::vector<std::string> ids, std::size_t max) {
  if (ids.size() <= max || max == 0) return max == 0 ? std::vector<std::string>{} : ids;
  std::vector<std::string> kept;
  kept.push_back(ids.front());
  kept.insert(kept.end(), ids.end() - static_cast<std::ptrdiff_t>(max - 1), ids.end());
  return kept;
}

// The raw value as it was written: folding removed, trimmed.
std::string unfold(const char* raw) {
  std::string out;
  for (const char* p = raw; p != nullptr && *p != '\0'; ++p) {
    if (*p == '\r' || *p == '\n') continue;
    out += *p;
  }
  return sanitize_utf8(trim(out));
}

void read_headers(GMimeMessage* message, const Limits& limits, Request& out) {
  GMimeHeaderList* list = g_mime_object_get_header_list(as_object(message));
  if (list == nullptr) return;
  const int n = g_mime_header_list_get_count(list);
  for (int i = 0; i < n && out.headers.size() < limits.max_header_fields; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    if (h == nullptr) continue;
    std::string name = sanitize_utf8(trim(copy_string(g_mime_header_get_name(h))));
    if (name.empty()) continue;
    std::string value = unfold(g_mime_header_get_raw_value(h));
    if (g_ascii_strcasecmp(name.c_str(), "Received") == 0 ||
        g_ascii_strcasecmp(name.c_str(), "Authentication-Results") == 0) {
      out.trace.emplace_back(name, value);
    }
    out.headers.emplace(std::move(name), std::move(value));
  }
}

}  // namespace

void read_envelope(GMimeMessage* message, const Limits& limits, Request& out) {
  auto options = new_parser_options();
  read_headers(message, limits, out);

  // Every From field, not only GMime's first (two From fields are a warning
  // sign). Parsed from GMime's raw value so 8-bit names decode as GMime does.
  if (GMimeHeaderList* list = g_mime_object_get_header_list(as_object(message))) {
    const int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
      const char* name = h != nullptr ? g_mime_header_get_name(h) : nullptr;
      if (name == nullptr || g_ascii_strcasecmp(name, "From") != 0) continue;
      const char* raw = g_mime_header_get_raw_value(h);
      if (raw == nullptr) continue;
      auto addresses = adopt(internet_address_list_parse(options.get(), raw));
      add_mailboxes(addresses.get(), limits.max_addresses, out.from_all);
    }
  }
  if (!out.from_all.empty()) out.from = out.from_all.front();
  add_mailboxes(g_mime_message_get_reply_to(message), limits.max_addresses, out.reply_to);
  add_mailboxes(g_mime_message_get_to(message), limits.max_addresses, out.to);
  add_mailboxes(g_mime_message_get_cc(message), limits.max_addresses, out.cc);

  out.subject = header_safe(copy_string(g_mime_message_get_subject(message)), kMaxSubject);
  out.message_id = clean_message_id(copy_string(g_mime_message_get_message_id(message)));

  if (const std::string* irt = out.header("In-Reply-To")) {
    auto ids = parse_ids(options.get(), irt->c_str());
    if (!ids.empty()) out.in_reply_to = ids.front();
  }
  if (const std::string* refs = out.header("References")) {
    out.references = cap_references(parse_ids(options.get(), refs->c_str()), limits.max_references);
  }

  if (const std::string* date = out.header("Date")) out.date_raw = header_safe(*date, kMaxSubject);
  if (GDateTime* date = g_mime_message_get_date(message)) {  // owned by the message
    // A date beyond what system_clock can hold (±292 years around 1970 with
    // nanoseconds; the corpus has the year 3609) is treated as no date.
    using std::chrono::seconds;
    using std::chrono::system_clock;
    const gint64 unix_seconds = g_date_time_to_unix(date);
    const auto limit = std::chrono::duration_cast<seconds>(system_clock::duration::max()).count() - 1;
    if (unix_seconds > -limit && unix_seconds < limit)
      out.date = system_clock::time_point(seconds(unix_seconds));
  }
}

}  // namespace raven::message::detail
