#include "message/markdown.hpp"

#include <cmark.h>

#include <cstdlib>
#include <memory>

namespace raven::message {
namespace {

struct CFree {
  // cmark allocates its result with the C allocator (its default mem allocator).
  void operator()(char* p) const noexcept {
    std::free(p);
  }  // NOLINT(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
};

}  // namespace

std::string markdown_to_html(std::string_view markdown) {
  // VALIDATE_UTF8 replaces invalid sequences with U+FFFD.
  constexpr int options = CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;
  std::unique_ptr<char, CFree> html(cmark_markdown_to_html(markdown.data(), markdown.size(), options));
  return html ? std::string(html.get()) : std::string();
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace raven::message
