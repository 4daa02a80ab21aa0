#include "message/compose.hpp"

#include <string>

#include "common/error.hpp"
#include "message/address.hpp"
#include "message/gmime_ptr.hpp"
#include "message/init.hpp"
#include "message/markdown.hpp"
#include "message/message_id.hpp"
#include "message/quote_original.hpp"
#include "message/subject.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

constexpr std::size_t kMaxName = 256;

std::string angle(const std::string& id) {
  return "<" + id + ">";
}

void add_mailbox(InternetAddressList* list, const Address& a) {
  const std::string name = header_safe(a.name, kMaxName);
  auto ia =
      detail::adopt(internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), a.address.c_str()));
  // Without this GMime encodes non-ASCII names as iso-8859-1 when it can.
  internet_address_set_charset(ia.get(), "utf-8");
  internet_address_list_add(list, ia.get());  // takes its own reference
}

std::vector<Address> recipients_of(const Request& original, std::size_t max) {
  std::vector<Address> out;
  // Only the first From mailbox: further From addresses are not the sender
  // that policy vetted, and a reply must not fan out to them.
  const std::vector<Address> source =
      !original.reply_to.empty() ? original.reply_to : std::vector<Address>{original.from};
  for (const Address& a : source) {
    if (out.size() >= max) break;
    if (!is_plain_addr_spec(a.address) || !is_valid_utf8(a.address)) continue;
    bool duplicate = false;
    for (const Address& b : out) duplicate = duplicate || b.address == a.address;
    if (!duplicate) out.push_back(a);
  }
  return out;
}

// The model's answer as plain text: valid UTF-8, "\n" line ends, bounded.
std::string clean_answer(std::string_view markdown, std::size_t max) {
  std::string text = normalize_newlines(sanitize_utf8(markdown));
  if (text.size() > max) text.resize(truncate_utf8(text, max).size());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

// Text in canonical form (RFC 2046 §4.1.1): CRLF line ends, also inside base64.
std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// A text part whose content is exactly `utf8` ("\n" line ends) in canonical
// form. GMime's set_text would pick the "best" charset, iso-8859-1 for
// Western text; we want UTF-8 always.
detail::GObjectPtr<GMimeTextPart> text_part(const char* subtype, const std::string& utf8) {
  auto part = detail::adopt(g_mime_text_part_new_with_subtype(subtype));
  GMimeObject* object = detail::as_object(part.get());
  auto stream = detail::memory_stream(crlf(utf8));
  auto content =
      detail::adopt(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(detail::as_part(object), content.get());
  g_mime_object_set_content_type_parameter(object, "charset", "utf-8");
  // 7-bit safe for every relay: quoted-printable for mostly-ASCII text, base64 otherwise.
  g_mime_part_set_content_encoding(
      detail::as_part(object),
      g_mime_part_get_best_content_encoding(detail::as_part(object), GMIME_ENCODING_CONSTRAINT_7BIT));
  return part;
}

std::string serialize(GMimeMessage* message) {
  auto format = detail::new_crlf_format_options();
  auto stream = detail::adopt(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(detail::as_object(message), format.get(), stream.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(detail::as_stream_mem(stream.get()));
  if (bytes == nullptr) return {};
  return {reinterpret_cast<const char*>(bytes->data), bytes->len};
}

}  // namespace

Reply compose_reply(const Request& original, const ReplyOptions& options, std::string_view answer_markdown) {
  init();
  const std::optional<Address> from = parse_address(options.from);
  if (!from) throw Error(ErrorKind::fatal, "answer.from is not a single valid mailbox");
  const std::vector<Address> to = recipients_of(original, options.max_recipients);
  if (to.empty())
    throw Error(ErrorKind::permanent, "the message has no valid Reply-To or From address to answer");

  Reply reply;
  const std::string domain = message_id_domain(from->address);
  if (options.message_id.empty()) {
    reply.message_id = new_message_id(domain);
  } else {
    reply.message_id = clean_message_id(options.message_id);
    if (reply.message_id.empty())
      throw Error(ErrorKind::permanent, "the reply's Message-ID is not a valid msg-id");
  }
  reply.subject = reply_subject(original.subject);
  reply.in_reply_to = clean_message_id(original.message_id);
  reply.references = reply_references(original, options.max_references);
  for (const Address& a : to) reply.recipients.push_back(a.address);

  auto message = detail::adopt(g_mime_message_new(TRUE));
  GMimeObject* object = detail::as_object(message.get());
  add_mailbox(g_mime_message_get_from(message.get()), *from);
  for (const Address& a : to) add_mailbox(g_mime_message_get_to(message.get()), a);
  g_mime_message_set_subject(message.get(), reply.subject.c_str(), "utf-8");

  const auto when = options.date.value_or(std::chrono::system_clock::now());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
  detail::DateTimePtr date(g_date_time_new_from_unix_utc(static_cast<gint64>(seconds)));
  if (date) g_mime_message_set_date(message.get(), date.get());

  g_mime_message_set_message_id(message.get(), reply.message_id.c_str());
  if (!reply.in_reply_to.empty()) {
    g_mime_object_set_header(object, "In-Reply-To", angle(reply.in_reply_to).c_str(), nullptr);
  }
  if (!reply.references.empty()) {
    std::string refs;
    for (const std::string& id : reply.references) {
      if (!refs.empty()) refs += ' ';
      refs += angle(id);
    }
    g_mime_object_set_header(object, "References", refs.c_str(), nullptr);
  }
  g_mime_object_set_header(object, "Auto-Submitted", "auto-replied", nullptr);  // RFC 3834 §5
  g_mime_object_set_header(object, "X-Auto-Response-Suppress", "All", nullptr);

  const std::string answer = clean_answer(answer_markdown, options.max_answer_bytes);
  std::string plain = answer + "\n";
  std::string html =
      "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"></head>\n<body>\n" + markdown_to_html(answer);
  if (options.quote_original) {
    const QuotedOriginal quoted = quote_original(original, options.max_quote_lines, options.max_quote_bytes);
    plain += "\n" + quoted.plain;
    html += quoted.html;
  }
  html += "</body>\n</html>\n";

  auto alternative = detail::adopt(g_mime_multipart_new_with_subtype("alternative"));
  // Our own boundary: GMime's opens /dev/urandom for each one. "=_" cannot
  // occur in quoted-printable or base64, and 128 random bits cannot be
  // guessed by whoever writes (or makes the model write) a 7-bit text part.
  const std::string boundary = "=_raven_" + random_hex128();
  g_mime_multipart_set_boundary(alternative.get(), boundary.c_str());
  auto plain_part = text_part("plain", plain);
  auto html_part = text_part("html", html);
  g_mime_multipart_add(alternative.get(),
                       detail::as_object(plain_part.get()));  // RFC 2046 §5.1.4: plainest first
  g_mime_multipart_add(alternative.get(), detail::as_object(html_part.get()));
  g_mime_message_set_mime_part(message.get(), detail::as_object(alternative.get()));

  reply.data = serialize(message.get());
  return reply;
}

}  // namespace raven::message
