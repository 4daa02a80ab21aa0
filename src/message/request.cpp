#include "message/request.hpp"

#include <algorithm>

namespace raven::message {

bool HeaderNameLess::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return static_cast<unsigned char>(lower(x)) < static_cast<unsigned char>(lower(y));
  });
}

std::string_view to_string(NoTextReason reason) noexcept {
  switch (reason) {
    case NoTextReason::none: return "none";
    case NoTextReason::no_text_part: return "no_text_part";
    case NoTextReason::encrypted: return "encrypted";
    case NoTextReason::empty_text: return "empty_text";
    case NoTextReason::not_fetched: return "not_fetched";
    case NoTextReason::unparseable: return "unparseable";
  }
  return "unknown";
}

const std::string* Request::header(std::string_view name) const {
  // multimap::find may return any of equal keys; lower_bound is the first.
  auto it = headers.lower_bound(name);
  if (it == headers.end() || HeaderNameLess{}(name, it->first)) return nullptr;
  return &it->second;
}

}  // namespace raven::message
