#include "tool/argv.hpp"

#include <cmath>
#include <cstdint>

namespace raven::tool {

std::optional<Element> parse_element(std::string_view text, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<Element> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  Element out;
  std::string literal;
  const auto flush = [&] {
    if (!literal.empty()) out.push_back({false, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return fail("has a '}' without its '{'; write }} for a literal brace");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const auto close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] != '}')
      return fail("has a '{' without its '}'; write {{ for a literal brace");
    if (close == i + 1) return fail("has an empty placeholder {}; write {{}} for literal braces");
    flush();
    out.push_back({true, std::string(text.substr(i + 1, close - i - 1))});
    i = close;
  }
  flush();
  return out;
}

std::vector<std::string> placeholders(const Element& element) {
  std::vector<std::string> out;
  for (const auto& p : element) {
    if (p.placeholder) out.push_back(p.text);
  }
  return out;
}

std::optional<std::string> argv_text(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) return std::nullopt;
    return s;
  }
  if (value.is_number_float()) {
    // 5.0 is an integer to JSON Schema; a program parsing "--count 5" should get 5.
    const double d = value.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0)
      return std::to_string(static_cast<std::int64_t>(d));
  }
  if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
  return std::nullopt;
}

std::optional<std::string> substitute(const Element& element, const nlohmann::json& arguments,
                                      std::string* error) {
  std::string out;
  for (const auto& p : element) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    const auto it = arguments.is_object() ? arguments.find(p.text) : arguments.end();
    const auto fail = [&](const std::string& why) -> std::optional<std::string> {
      if (error != nullptr) *error = p.text + ": " + why;
      return std::nullopt;
    };
    if (!arguments.is_object() || it == arguments.end()) return fail("is required");
    auto text = argv_text(*it);
    if (!text) {
      return fail(it->is_string() ? "must not contain NUL"
                                  : "must be a string, number or boolean (it goes into a command line)");
    }
    out += *text;
  }
  return out;
}

}  // namespace raven::tool
