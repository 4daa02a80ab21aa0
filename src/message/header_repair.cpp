#include "message/header_repair.hpp"

namespace raven::message {
namespace {

// Longest field name we accept as one (RFC 5322 sets none; 998 is the line limit).
constexpr std::size_t kMaxFieldName = 200;
// Lines looked at past a damaged header line for another field.
constexpr int kLookahead = 32;

bool is_field_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > kMaxFieldName) return false;
  if (line[0] == ' ' || line[0] == '\t') return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x21 || c > 0x7E) && c != ' ' && c != '\t') return false;
  }
  return true;
}

bool is_continuation(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

bool is_whitespace_only(std::string_view line) {
  return !line.empty() && line.find_first_not_of(" \t") == std::string_view::npos;
}

// A field name as RFC 5322 §3.6.8 has it (printable ASCII, no SP, no ':').
bool is_strict_field_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > kMaxFieldName) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// One line of `s` from `pos`: its content without the line end, and the
// position after its line end.
struct Line {
  std::string_view content;
  std::string_view ending;  // "\r\n", "\n" or "" at the end of input
  std::size_t next;
};

Line line_at(std::string_view s, std::size_t pos) {
  const std::size_t nl = s.find('\n', pos);
  if (nl == std::string_view::npos) return {s.substr(pos), {}, s.size()};
  std::size_t end = nl;
  std::string_view ending = s.substr(nl, 1);
  if (end > pos && s[end - 1] == '\r') {
    --end;
    ending = s.substr(end, 2);
  }
  return {s.substr(pos, end - pos), ending, nl + 1};
}

// True if a well-formed field follows `pos` within a few lines, before any
// blank line: the header block goes on past a damaged line.
bool header_continues(std::string_view raw, std::size_t pos) {
  for (int n = 0; n < kLookahead && pos < raw.size(); ++n) {
    const Line line = line_at(raw, pos);
    if (line.content.empty()) return false;
    if (is_strict_field_line(line.content)) return true;
    pos = line.next;
  }
  return false;
}

}  // namespace

RepairedMessage repair_message(std::string_view raw, std::size_t max_header_bytes) {
  RepairedMessage result;
  if (raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);

  std::size_t pos = 0;
  if (raw.substr(0, 5) == "From ") pos = line_at(raw, 0).next;  // mbox separator line
  // Lines of blanks before the first field.
  for (std::size_t p = pos; p < raw.size();) {
    const Line line = line_at(raw, p);
    if (!is_whitespace_only(line.content)) {
      if (p != pos && is_field_line(line.content)) pos = p;
      break;
    }
    p = line.next;
  }

  std::string& out = result.bytes;
  out.reserve(raw.size() - pos + 4);
  std::size_t header_bytes = 0;
  bool dropping = false;  // the current field (and its continuations) is beyond the limit
  bool first = true;
  while (pos < raw.size()) {
    const Line line = line_at(raw, pos);
    if (line.content.empty()) break;  // the blank line that ends the header block
    const bool field = is_field_line(line.content);
    const bool continuation = !first && is_continuation(line.content);
    if (!field && !continuation && !first && header_continues(raw, line.next)) {
      // A folded line that lost its leading white space, amid fields: keep
      // it as the continuation it was meant to be.
      if (!dropping) {
        out += ' ';
        header_bytes += line.next - pos + 1;
        out.append(raw.substr(pos, line.next - pos));
      }
      pos = line.next;
      continue;
    }
    if (!field && !continuation) {
      // Body text where a field should be: end the header block here.
      const std::string_view ending = line.ending.empty() ? std::string_view("\n") : line.ending;
      out.append(ending);
      if (first) {
        result.header_missing = true;
      } else {
        result.separator_inserted = true;
      }
      break;
    }
    const std::size_t length = line.next - pos;
    // Once a field does not fit, it and every later field are dropped.
    if (field && !dropping) dropping = header_bytes + length > max_header_bytes;
    if (dropping) {
      result.header_truncated = true;
    } else {
      header_bytes += length;
      out.append(raw.substr(pos, length));
    }
    first = false;
    pos = line.next;
  }
  out.append(raw.substr(pos));
  return result;
}

}  // namespace raven::message
