#include "message/body_text.hpp"

#include "message/charset.hpp"
#include "message/html_text.hpp"
#include "message/quote_split.hpp"
#include "message/transfer_decode.hpp"
#include "message/utf8.hpp"

namespace raven::message::detail {

void read_body_text(std::string_view raw, const TextPart& part, bool cut, const Limits& limits,
                    Request& out) {
  out.text_section = part.section;
  out.text_subtype = part.subtype;
  bool truncated = cut;

  const std::string decoded = decode_transfer_encoding(raw, part.encoding, cut);
  std::string text = normalize_newlines(to_utf8(decoded, part.charset));
  if (part.subtype == "html") {
    if (text.size() > limits.max_html_bytes) {
      text.resize(truncate_utf8(text, limits.max_html_bytes).size());
      truncated = true;
    }
    HtmlText html = html_to_text(text, limits.max_text_bytes);
    truncated = truncated || html.truncated;
    text = std::move(html.text);
  }
  if (text.size() > limits.max_text_bytes) {
    text.resize(truncate_utf8(text, limits.max_text_bytes).size());
    truncated = true;
  }

  SplitText split = split_quoted(text);
  out.text = std::move(split.text);
  out.quoted = std::move(split.quoted);
  if (out.text.empty() && !out.quoted.empty()) {
    // Nothing but history (a bare forward of a quote): the history is the text.
    out.text = std::move(out.quoted);
    out.quoted.clear();
  }
  out.truncated = truncated;
  if (out.text.empty()) {
    out.reason_kind = NoTextReason::empty_text;
    out.reason = "the text part " + part.section + " (text/" + part.subtype + ") is empty";
  }
}

}  // namespace raven::message::detail
