#include "message/subject.hpp"

#include <array>

#include "common/text.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

// Length of one reply prefix at the start of `s` ("Re:", "AW :", "Re[2]:"), or 0.
std::size_t prefix_length(std::string_view s) {
  static constexpr std::array<std::string_view, 5> kPrefixes = {"antw", "odp", "re", "aw", "sv"};
  for (std::string_view p : kPrefixes) {
    if (s.size() < p.size() || ascii_lower(s.substr(0, p.size())) != p) continue;
    std::size_t i = p.size();
    if (i < s.size() && (s[i] == '[' || s[i] == '(')) {  // a counter: Re[2]:
      const char close = s[i] == '[' ? ']' : ')';
      std::size_t j = i + 1;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      if (j == i + 1 || j >= s.size() || s[j] != close) continue;
      i = j + 1;
    }
    while (i < s.size() && s[i] == ' ') ++i;  // "Re :"
    if (i < s.size() && s[i] == ':') return i + 1;
  }
  return 0;
}

}  // namespace

std::string_view strip_reply_prefixes(std::string_view subject) {
  std::string_view s = trim(subject);
  while (const std::size_t n = prefix_length(s)) s = trim(s.substr(n));
  return s;
}

std::string reply_subject(std::string_view original) {
  const std::string clean = header_safe(original);
  const std::string_view rest = strip_reply_prefixes(clean);
  return rest.empty() ? std::string("Re:") : header_safe("Re: " + std::string(rest));
}

}  // namespace raven::message
