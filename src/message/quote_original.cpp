#include "message/quote_original.hpp"

#include <string_view>

#include "message/markdown.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

// A Date longer than this is not a date (RFC 5322 §3.3 dates are ~31 characters).
constexpr std::size_t kMaxDateShown = 80;
constexpr std::string_view kCut = "[\xE2\x80\xA6]";  // "[…]"

}  // namespace

std::string attribution_line(const Request& original) {
  const std::string name =
      header_safe(!original.from.name.empty() ? original.from.name : original.from.address, 200);
  const std::string date =
      original.date_raw.size() <= kMaxDateShown ? header_safe(original.date_raw) : std::string();
  if (name.empty()) return "Original message:";
  if (date.empty()) return name + " wrote:";
  return "On " + date + ", " + name + " wrote:";
}

QuotedOriginal quote_original(const Request& original, std::size_t max_lines, std::size_t max_bytes) {
  std::string body = original.text;
  if (!original.quoted.empty()) body += "\n\n" + original.quoted;

  QuotedOriginal out;
  const std::string attribution = attribution_line(original);
  out.plain = attribution + "\n";
  out.html = "<p>" + html_escape(attribution) + "</p>\n<blockquote type=\"cite\">\n";

  std::size_t lines = 0;
  std::size_t bytes = 0;
  std::size_t pos = 0;
  bool cut = false;
  while (pos <= body.size()) {
    std::size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    std::string_view line = std::string_view(body).substr(pos, nl - pos);
    if (lines >= max_lines || bytes >= max_bytes) {
      cut = true;
      break;
    }
    if (bytes + line.size() > max_bytes) {  // quote the part of the line that fits, then stop
      line = truncate_utf8(line, max_bytes - bytes);
      cut = true;
    }
    ++lines;
    bytes += line.size() + 1;
    // RFC 3676 §4.5: quoting a quoted line adds ">" without a space.
    if (line.empty()) {
      out.plain += ">\n";
    } else if (line.front() == '>') {
      out.plain += ">" + std::string(line) + "\n";
    } else {
      out.plain += "> " + std::string(line) + "\n";
    }
    out.html += html_escape(line) + "<br>\n";
    if (cut) break;
    pos = nl + 1;
  }
  if (cut) {
    out.plain += "> " + std::string(kCut) + "\n";
    out.html += std::string(kCut) + "<br>\n";
  }
  out.html += "</blockquote>\n";
  return out;
}

}  // namespace raven::message
