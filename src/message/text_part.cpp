#include "message/text_part.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <limits>

#include "common/text.hpp"
#include "message/charset.hpp"
#include "message/gmime_ptr.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

// File names longer than this are not names (most file systems stop at 255).
constexpr std::size_t kMaxFilename = 255;
// RFC 2231 §3 continuations we join at most.
constexpr int kMaxContinuations = 64;

struct Candidate {
  const imap::BodyPart* part;
  bool in_forward;
};

bool is_attachment(const imap::BodyPart& p) {
  return p.disposition == "attachment";
}

bool is_body_text(const imap::BodyPart& p) {
  // A part without a type is text/plain (RFC 2045 §5.2).
  const bool text = p.type == "text" || p.type.empty();
  const bool subtype = p.subtype == "plain" || p.subtype == "html" || p.subtype.empty();
  return text && subtype && !is_attachment(p);
}

bool is_plain(const imap::BodyPart& p) {
  return p.subtype != "html";
}

bool is_encrypted(const imap::BodyPart& p) {
  if (p.type == "multipart" && p.subtype == "encrypted") return true;
  return p.type == "application" && (p.subtype == "pkcs7-mime" || p.subtype == "x-pkcs7-mime");
}

bool is_message(const imap::BodyPart& p) {
  return p.type == "message" && (p.subtype == "rfc822" || p.subtype == "global");
}

class Chooser {
 public:
  Chooser(std::size_t max_depth, bool enter_forwards)
      : max_depth_(max_depth), enter_forwards_(enter_forwards) {}

  std::optional<Candidate> best(const imap::BodyPart& p, bool in_forward, std::size_t depth) {
    if (depth > max_depth_) return std::nullopt;
    if (is_encrypted(p)) {
      encrypted = true;
      return std::nullopt;
    }
    if (p.type == "multipart") {
      if (p.subtype == "alternative") {
        std::optional<Candidate> html;
        for (const imap::BodyPart& child : p.children) {
          auto c = best(child, in_forward, depth + 1);
          if (c && is_plain(*c->part)) return c;
          if (c && !html) html = c;
        }
        return html;
      }
      for (const imap::BodyPart& child : p.children) {
        if (auto c = best(child, in_forward, depth + 1)) return c;
      }
      return std::nullopt;
    }
    if (is_message(p)) {
      if (!enter_forwards_ || p.children.empty()) return std::nullopt;
      return best(p.children.front(), true, depth + 1);
    }
    if (is_body_text(p)) return Candidate{&p, in_forward};
    return std::nullopt;
  }

  bool encrypted = false;

 private:
  std::size_t max_depth_;
  bool enter_forwards_;
};

bool within(const std::string& section, const std::string& ancestor) {
  return (section.size() > ancestor.size() && section.compare(0, ancestor.size(), ancestor) == 0 &&
          section[ancestor.size()] == '.');
}

std::string content_type_of(const imap::BodyPart& p) {
  if (p.type.empty()) return "text/plain";
  return p.subtype.empty() ? p.type : p.type + "/" + p.subtype;
}

void collect_attachments(const imap::BodyPart& p, const imap::BodyPart* chosen, std::size_t depth,
                         const Limits& limits, std::vector<Attachment>& out) {
  if (depth > limits.max_depth || out.size() >= limits.max_attachments) return;
  if (&p == chosen) return;
  if (p.type == "multipart") {
    for (const imap::BodyPart& child : p.children) collect_attachments(child, chosen, depth + 1, limits, out);
    return;
  }
  // A forward is one attachment, unless the text was taken from inside it.
  // Its parts are numbered under its own number (RFC 3501 §6.4.5).
  const std::string own = p.section.empty() ? std::string("1") : p.section;
  const bool text_inside = chosen != nullptr && is_message(p) && within(chosen->section, own);
  if (is_message(p) && text_inside) {
    for (const imap::BodyPart& child : p.children) collect_attachments(child, chosen, depth + 1, limits, out);
    return;
  }
  const std::string name = attachment_name(p);
  const bool plain_body_text = p.type == "text" && (p.subtype == "plain" || p.subtype == "html");
  if (!is_attachment(p) && name.empty() && (plain_body_text || p.type.empty())) return;  // more body text
  Attachment a;
  a.filename = name;
  a.content_type = content_type_of(p);
  a.size = p.size;
  a.section = p.section.empty() ? "1" : p.section;
  a.inline_part = !is_attachment(p);
  out.push_back(std::move(a));
}

std::uint32_t fetch_budget(const imap::BodyPart& p, const Limits& limits) {
  std::uint64_t budget = p.subtype == "html" ? limits.max_html_bytes : limits.max_text_bytes;
  const std::string encoding = ascii_lower(p.encoding);
  if (encoding == "base64") {
    budget = budget / 3 * 4 + budget / 54 * 2 + 8;  // 4 per 3 bytes, CRLF per 76 characters (RFC 2045 §6.8)
  } else if (encoding == "quoted-printable") {
    budget *= 3;  // "=XX" per byte at worst (RFC 2045 §6.7)
  }
  // Legacy charsets are never longer than their UTF-8 form; UTF-16/32 can be.
  auto charset = p.params.find("charset");
  if (charset != p.params.end()) {
    const std::string name = ascii_lower(charset->second);
    if (name.rfind("utf-16", 0) == 0 || name.rfind("utf-32", 0) == 0 || name.rfind("ucs", 0) == 0)
      budget *= 2;
  }
  budget += 1024;  // slack for a final line end or a cut escape
  budget = std::min<std::uint64_t>(budget, limits.max_fetch_bytes);
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(budget, std::numeric_limits<std::uint32_t>::max()));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// RFC 2231 §4: charset'language'percent-encoded.
std::string split_charset(std::string_view value, std::string& charset) {
  const std::size_t q1 = value.find('\'');
  const std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return percent_decode(value);
  charset = std::string(value.substr(0, q1));
  return percent_decode(value.substr(q2 + 1));
}

std::string rfc2231_param(const std::map<std::string, std::string>& params, const std::string& base) {
  if (auto it = params.find(base + "*"); it != params.end()) {
    std::string charset;
    const std::string bytes = split_charset(it->second, charset);
    return to_utf8(bytes, charset);
  }
  std::string charset;
  std::string bytes;
  bool any = false;
  for (int i = 0; i < kMaxContinuations; ++i) {
    const std::string key = base + "*" + std::to_string(i);
    if (auto ext = params.find(key + "*"); ext != params.end()) {
      bytes += i == 0 ? split_charset(ext->second, charset) : percent_decode(ext->second);
    } else if (auto plain = params.find(key); plain != params.end()) {
      bytes += plain->second;
    } else {
      break;
    }
    any = true;
  }
  return any ? to_utf8(bytes, charset) : std::string();
}

std::string decode_2047(const std::string& s) {
  if (s.find("=?") == std::string::npos) return to_utf8(s, "");
  auto options = detail::new_parser_options();
  return detail::take_string(g_mime_utils_header_decode_text(options.get(), s.c_str()));
}

}  // namespace

std::string attachment_name(const imap::BodyPart& part) {
  std::string name = part.filename;
  for (const char* key : {"filename", "name"}) {
    if (!name.empty()) break;
    if (auto it = part.params.find(key); it != part.params.end()) name = it->second;
    if (name.empty()) name = rfc2231_param(part.params, key);
  }
  if (name.empty()) return {};
  name = decode_2047(name);
  // Only the last path component names the file; the rest is a hazard.
  if (const std::size_t slash = name.find_last_of("/\\"); slash != std::string::npos)
    name = name.substr(slash + 1);
  return header_safe(name, kMaxFilename);
}

PartChoice choose_text_part(const imap::BodyPart& root, const Limits& limits) {
  PartChoice result;
  Chooser outside(limits.max_depth, false);
  std::optional<Candidate> found = outside.best(root, false, 0);
  result.encrypted = outside.encrypted;
  if (!found) {
    Chooser anywhere(limits.max_depth, true);
    found = anywhere.best(root, false, 0);
    result.encrypted = result.encrypted || anywhere.encrypted;
  }
  const imap::BodyPart* chosen = found ? found->part : nullptr;
  if (found) {
    const imap::BodyPart& p = *found->part;
    TextPart text;
    // RFC 3501 §6.4.5: a non-multipart message's only part is "1".
    text.section = p.section.empty() ? "1" : p.section;
    text.subtype = p.subtype == "html" ? "html" : "plain";
    if (auto it = p.params.find("charset"); it != p.params.end()) text.charset = it->second;
    text.encoding = ascii_lower(trim(p.encoding));
    text.size = p.size;
    text.fetch_bytes = fetch_budget(p, limits);
    text.in_forward = found->in_forward;
    result.text = std::move(text);
  }
  collect_attachments(root, chosen, 0, limits, result.attachments);
  return result;
}

}  // namespace raven::message
