#include "message/parse.hpp"

#include <string>

#include "message/body_text.hpp"
#include "message/envelope.hpp"
#include "message/gmime_ptr.hpp"
#include "message/header_repair.hpp"
#include "message/init.hpp"
#include "message/mime_tree.hpp"

namespace raven::message {
namespace {

detail::GObjectPtr<GMimeMessage> gmime_parse(std::string_view bytes) {
  auto stream = detail::memory_stream(bytes);
  auto parser = detail::adopt(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  auto options = detail::new_parser_options();
  return detail::adopt(g_mime_parser_construct_message(parser.get(), options.get()));
}

void set_content_type(const imap::BodyPart& root, Request& out) {
  const std::string type = root.type.empty() ? std::string("text") : root.type;
  const std::string subtype = root.subtype.empty() ? std::string("plain") : root.subtype;
  out.content_type = type + "/" + subtype;
  out.content_type_params = root.params;
}

void set_no_text(const PartChoice& choice, Request& out) {
  if (choice.encrypted) {
    out.reason_kind = NoTextReason::encrypted;
    out.reason = "the content is encrypted (" + out.content_type + ")";
  } else {
    out.reason_kind = NoTextReason::no_text_part;
    out.reason = "no text/plain or text/html part (" + out.content_type + ", " +
                 std::to_string(choice.attachments.size()) + " other parts)";
  }
}

void set_unparseable(Request& out) {
  out.reason_kind = NoTextReason::unparseable;
  out.reason = "GMime could not parse the message";
}

// The shared tail: the choice is made, `raw` holds what was fetched of it.
void read_text(const PartChoice& choice, std::optional<std::string_view> raw, const Limits& limits,
               Request& out) {
  out.attachments = choice.attachments;
  if (!choice.text) {
    set_no_text(choice, out);
    return;
  }
  const TextPart& part = *choice.text;
  if (!raw) {
    out.text_section = part.section;
    out.text_subtype = part.subtype;
    out.reason_kind = NoTextReason::not_fetched;
    out.reason = "section " + part.section + " was not fetched";
    return;
  }
  std::string_view bytes = *raw;
  bool cut = false;
  if (bytes.size() > part.fetch_bytes) {
    bytes = bytes.substr(0, part.fetch_bytes);
    cut = true;
  }
  if (part.size > bytes.size()) cut = true;  // the server sent a prefix (<0.N>)
  detail::read_body_text(bytes, part, cut, limits, out);
}

}  // namespace

Request parse_fetched(std::string_view header, const imap::BodyPart* bodystructure,
                      std::optional<std::string_view> section_bytes, const Limits& limits) {
  init();
  Request out;
  RepairedMessage repaired = repair_message(header, limits.max_header_bytes);
  out.header_truncated = repaired.header_truncated;
  repaired.bytes += "\r\n";  // an empty body after the header block
  auto message = gmime_parse(repaired.bytes);
  if (!message) {
    set_unparseable(out);
    return out;
  }
  detail::read_envelope(message.get(), limits, out);
  imap::BodyPart from_header;
  if (bodystructure == nullptr) {
    from_header = detail::build_mime_tree(g_mime_message_get_mime_part(message.get()), limits.max_depth).root;
    from_header.children.clear();  // the header alone cannot know the parts
  }
  const imap::BodyPart& root = bodystructure != nullptr ? *bodystructure : from_header;
  set_content_type(root, out);
  read_text(choose_text_part(root, limits), section_bytes, limits, out);
  return out;
}

Request parse_fetched(const imap::FetchedMessage& fetched, const Limits& limits) {
  init();
  const imap::BodyPart* root = fetched.bodystructure ? &*fetched.bodystructure : nullptr;
  std::optional<std::string_view> bytes;
  // Look up the section the same choice names (parse_fetched makes it again).
  if (root != nullptr) {
    const PartChoice choice = choose_text_part(*root, limits);
    if (choice.text) {
      if (auto it = fetched.sections.find(choice.text->section); it != fetched.sections.end())
        bytes = it->second;
    }
  } else if (auto it = fetched.sections.find("1"); it != fetched.sections.end()) {
    bytes = it->second;
  }
  return parse_fetched(fetched.header, root, bytes, limits);
}

Request parse_message(std::string_view rfc822, const Limits& limits) {
  init();
  Request out;
  bool message_cut = false;
  if (rfc822.size() > limits.max_message_bytes) {
    rfc822 = rfc822.substr(0, limits.max_message_bytes);
    message_cut = true;
  }
  const RepairedMessage repaired = repair_message(rfc822, limits.max_header_bytes);
  out.header_truncated = repaired.header_truncated;
  auto message = gmime_parse(repaired.bytes);
  if (!message) {
    set_unparseable(out);
    return out;
  }
  detail::read_envelope(message.get(), limits, out);
  const detail::MimeTree tree =
      detail::build_mime_tree(g_mime_message_get_mime_part(message.get()), limits.max_depth);
  set_content_type(tree.root, out);
  const PartChoice choice = choose_text_part(tree.root, limits);
  std::optional<std::string> raw;
  if (choice.text) {
    if (auto it = tree.parts.find(choice.text->section); it != tree.parts.end()) {
      raw = detail::encoded_content(it->second, choice.text->fetch_bytes);
    }
  }
  read_text(choice, raw ? std::optional<std::string_view>(*raw) : std::nullopt, limits, out);
  if (message_cut && !out.text.empty()) out.truncated = true;
  return out;
}

}  // namespace raven::message
