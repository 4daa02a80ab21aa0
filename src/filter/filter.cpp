#include "filter/filter.hpp"

#include <optional>

#include "common/text.hpp"

namespace raven::filter {
namespace {

struct Split {
  std::string_view local;
  std::string_view domain;
};

// Splits an addr-spec at its last '@' (a quoted local part may hold '@').
// Rejects anything with whitespace, angle brackets or control characters: the
// input is meant to be a bare, already-parsed address.
std::optional<Split> split_address(std::string_view a) {
  for (unsigned char c : a) {
    if (c <= ' ' || c == '<' || c == '>' || c == 0x7f) return std::nullopt;
  }
  auto at = a.rfind('@');
  if (at == std::string_view::npos || at + 1 == a.size()) return std::nullopt;
  Split s{a.substr(0, at), a.substr(at + 1)};
  // An absolute domain ("example.org.") names the same domain.
  if (s.domain.back() == '.') s.domain.remove_suffix(1);
  if (s.domain.empty() || s.domain.find('@') != std::string_view::npos) return std::nullopt;
  return s;
}

}  // namespace

Problems Config::validate() const {
  Problems out;
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const std::string field = "senders[" + std::to_string(i) + "]";
    const std::string& s = senders[i];
    if (has_line_break_or_nul(s)) {
      out.push_back({field, "must not contain CR, LF or NUL"});
      continue;
    }
    auto split = split_address(s);
    if (!split) {
      out.push_back({field, "must be an address (alice@example.com) or a domain (@example.org), got \"" + s + "\""});
    }
  }
  if (has_line_break_or_nul(subject)) out.push_back({"subject", "must not contain CR, LF or NUL"});
  return out;
}

Filter::Filter(const Config& config) : subject_(config.subject) {
  for (const auto& s : config.senders) {
    if (has_line_break_or_nul(s)) continue;
    auto split = split_address(s);
    if (!split) continue;
    entries_.push_back({ascii_lower(split->local), ascii_lower(split->domain)});
    from_terms_.push_back(s);
  }
  if (has_line_break_or_nul(subject_)) subject_.clear();
}

imap::SearchQuery Filter::search_query() const {
  imap::SearchQuery q;
  q.unseen = true;
  q.from_any = from_terms_;
  q.subject = subject_;
  return q;
}

bool Filter::allows(std::string_view address) const {
  if (entries_.empty()) return true;
  auto split = split_address(address);
  if (!split || split->local.empty()) return false;
  const std::string local = ascii_lower(split->local);
  const std::string domain = ascii_lower(split->domain);
  for (const auto& e : entries_) {
    if (e.domain != domain) continue;
    if (e.local.empty() || e.local == local) return true;
  }
  return false;
}

}  // namespace raven::filter
