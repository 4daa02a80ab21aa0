#include "message/quote_split.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "common/text.hpp"

namespace raven::message {
namespace {

// Attribution lines longer than this are prose, not a client's template.
constexpr std::size_t kMaxAttributionLength = 400;
// How far below "From:" Outlook's Sent:/To:/Subject: lines may appear.
constexpr std::size_t kOutlookBlockLines = 6;

std::vector<std::string_view> split_lines(std::string_view body) {
  std::vector<std::string_view> lines;
  std::size_t i = 0;
  while (i <= body.size()) {
    std::size_t nl = body.find('\n', i);
    if (nl == std::string_view::npos) nl = body.size();
    lines.push_back(body.substr(i, nl - i));
    i = nl + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) {
  return trim(line).empty();
}

bool is_quote_line(std::string_view line) {
  const std::size_t first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '>';
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_lower(s.substr(s.size() - suffix.size())) == suffix;
}

bool contains_ci(std::string_view s, std::string_view needle) {
  return ascii_lower(s).find(needle) != std::string::npos;
}

// "On <date>, <name> wrote:" and the forms other clients use.
bool is_attribution_text(std::string_view t) {
  if (t.size() > kMaxAttributionLength) return false;
  if (starts_with_ci(t, "on ") && ends_with_ci(t, "wrote:")) return true;
  if (starts_with_ci(t, "am ") && contains_ci(t, "schrieb") && t.back() == ':') return true;
  if (starts_with_ci(t, "le ") && (ends_with_ci(t,
                                                "a \xC3\xA9"
                                                "crit :") ||
                                   ends_with_ci(t,
                                                "a \xC3\xA9"
                                                "crit:")))
    return true;
  if (starts_with_ci(t, "el ") &&
      (ends_with_ci(t, "escribi\xC3\xB3:") || ends_with_ci(t, "escribi\xC3\xB3 :")))
    return true;
  if (starts_with_ci(t, "op ") && contains_ci(t, "schreef") && t.back() == ':') return true;
  if (starts_with_ci(t, "il ") && ends_with_ci(t, "ha scritto:")) return true;
  return false;
}

std::optional<std::size_t> next_non_blank(const std::vector<std::string_view>& lines, std::size_t from) {
  for (std::size_t k = from; k < lines.size(); ++k) {
    if (!is_blank(lines[k])) return k;
  }
  return std::nullopt;
}

// Number of lines (1 or 2) of an attribution starting at `i`, or 0.
std::size_t attribution_at(const std::vector<std::string_view>& lines, std::size_t i) {
  const std::string_view t = trim(lines[i]);
  if (t.empty() || is_quote_line(t)) return 0;
  if (is_attribution_text(t)) return 1;
  // Gmail wraps a long attribution: "On Mon, … John Doe <" / "john@x.org> wrote:".
  if (i + 1 < lines.size() && !is_blank(lines[i + 1]) && !is_quote_line(lines[i + 1])) {
    const std::string joined = std::string(t) + " " + std::string(trim(lines[i + 1]));
    if (starts_with_ci(t, "on ") && is_attribution_text(joined)) return 2;
  }
  // "<name> wrote:" directly above quoted lines.
  if (ends_with_ci(t, "wrote:") && t.size() <= kMaxAttributionLength) {
    if (auto next = next_non_blank(lines, i + 1); next && is_quote_line(lines[*next])) return 1;
  }
  return 0;
}

bool is_original_message_marker(std::string_view line) {
  const std::string_view t = trim(line);
  if (t.size() < 6 || t.substr(0, 2) != "--") return false;
  const std::size_t b = t.find_first_not_of("- ");
  const std::size_t e = t.find_last_not_of("- ");
  if (b == std::string_view::npos) return false;
  const std::string inner = ascii_lower(t.substr(b, e - b + 1));
  static constexpr std::array<std::string_view, 7> kMarkers = {
      "original message",       "ursprüngliche nachricht", "message d'origine",  "mensaje original",
      "oorspronkelijk bericht", "messaggio originale",     "original-nachricht",
  };
  return std::find(kMarkers.begin(), kMarkers.end(), inner) != kMarkers.end();
}

// Strips Markdown-ish emphasis that HTML-to-text conversions of Outlook leave ("*From:*").
std::string_view field_text(std::string_view line) {
  std::string_view t = trim(line);
  while (!t.empty() && t.front() == '*') t.remove_prefix(1);
  return t;
}

bool is_outlook_block(const std::vector<std::string_view>& lines, std::size_t i) {
  const std::string_view first = field_text(lines[i]);
  if (!starts_with_ci(first, "from:") && !starts_with_ci(first, "von:") && !starts_with_ci(first, "de :") &&
      !starts_with_ci(first, "de:")) {
    return false;
  }
  bool sent = false;
  bool to_or_subject = false;
  for (std::size_t k = i + 1; k < lines.size() && k <= i + kOutlookBlockLines; ++k) {
    const std::string_view t = field_text(lines[k]);
    if (starts_with_ci(t, "sent:") || starts_with_ci(t, "date:") || starts_with_ci(t, "gesendet:") ||
        starts_with_ci(t, "envoy\xC3\xA9 :") || starts_with_ci(t, "datum:")) {
      sent = true;
    }
    if (starts_with_ci(t, "to:") || starts_with_ci(t, "subject:") || starts_with_ci(t, "an:") ||
        starts_with_ci(t, "betreff:") || starts_with_ci(t, "objet :") || starts_with_ci(t, "\xC3\x80 :")) {
      to_or_subject = true;
    }
  }
  return sent && to_or_subject;
}

bool is_underscore_rule(std::string_view line) {
  const std::string_view t = trim(line);
  return t.size() >= 10 && t.find_first_not_of('_') == std::string_view::npos;
}

bool has_text_before(const std::vector<std::string_view>& lines, std::size_t end) {
  for (std::size_t k = 0; k < end; ++k) {
    if (!is_blank(lines[k])) return true;
  }
  return false;
}

// Where the history starts, or lines.size() if there is none.
std::size_t history_start(const std::vector<std::string_view>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_quote_line(lines[i])) continue;
    std::optional<std::size_t> start;
    std::size_t marker_lines = 1;
    if (const std::size_t n = attribution_at(lines, i); n > 0 || is_original_message_marker(lines[i])) {
      start = i;
      marker_lines = std::max<std::size_t>(n, 1);
    } else if (is_outlook_block(lines, i)) {
      start = i;
      // The rule Outlook draws above the block belongs to the history.
      for (std::size_t k = i; k > 0; --k) {
        if (is_underscore_rule(lines[k - 1])) {
          start = k - 1;
          break;
        }
        if (!is_blank(lines[k - 1])) break;
      }
    }
    if (start && has_text_before(lines, *start)) return *start;
    // A marker with nothing above it (a bottom-posted or interleaved reply):
    // its own lines are not another marker.
    if (start) i += marker_lines - 1;
  }
  // A trailing block of quoted lines (and blank lines) after the new text.
  std::optional<std::size_t> last;
  for (std::size_t k = lines.size(); k > 0; --k) {
    if (!is_blank(lines[k - 1])) {
      last = k - 1;
      break;
    }
  }
  if (!last || !is_quote_line(lines[*last])) return lines.size();
  std::size_t start = *last;
  for (std::size_t k = *last; k > 0; --k) {
    if (is_quote_line(lines[k - 1])) {
      start = k - 1;
    } else if (!is_blank(lines[k - 1])) {
      break;
    }
  }
  return has_text_before(lines, start) ? start : lines.size();
}

std::string join(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end) {
  // Drop blank lines at both ends.
  while (begin < end && is_blank(lines[begin])) ++begin;
  while (end > begin && is_blank(lines[end - 1])) --end;
  std::string out;
  for (std::size_t k = begin; k < end; ++k) {
    out.append(lines[k]);
    if (k + 1 < end) out += '\n';
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

}  // namespace

SplitText split_quoted(std::string_view body) {
  const std::vector<std::string_view> lines = split_lines(body);
  const std::size_t start = history_start(lines);
  SplitText result;
  result.text = join(lines, 0, start);
  result.quoted = join(lines, start, lines.size());
  return result;
}

}  // namespace raven::message
