#include "config/interpolate.hpp"

namespace raven::config::detail {
namespace {

bool is_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

}  // namespace

Interpolated interpolate(std::string_view text, const Environment& env) {
  Interpolated out;
  out.value.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("$${")) {
      out.value += "${";
      i += 3;
      continue;
    }
    if (!rest.starts_with("${")) {
      out.value += text[i];
      ++i;
      continue;
    }
    const std::size_t close = rest.find('}', 2);
    if (close == std::string_view::npos) {
      out.errors.emplace_back("unterminated ${ (write $${ for a literal ${)");
      out.value += rest;
      break;
    }
    const std::string_view name = rest.substr(2, close - 2);
    i += close + 1;
    if (!is_name(name)) {
      out.errors.push_back("${" + std::string(name) +
                           "} is not an environment variable reference (${NAME}: letters, digits, _; "
                           "write $${ for a literal ${)");
      continue;
    }
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value) {
      out.errors.push_back("environment variable " + std::string(name) + " is not set");
      continue;
    }
    out.value += *value;
    out.substituted = true;
  }
  return out;
}

}  // namespace raven::config::detail
