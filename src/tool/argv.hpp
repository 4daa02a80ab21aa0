// raven::tool argv templates — the `command` list with `{param}` placeholders,
// and its substitution into the argv a tool runs with.
//
// Why this shape: the model's values must reach the program as data, never as
// code. A placeholder is replaced inside its own argv element, so an argument
// "a b; rm -rf / #" or "$(id)" arrives as exactly that one element: there is
// no shell, no word splitting, no globbing, no variable expansion. Strings go
// in as they are, numbers and booleans in their JSON form (an integral number
// without a fraction: 5, not 5.0); objects and arrays cannot be placed in
// argv (use stdin: json), and neither can a string holding NUL.
//
// Syntax, in any element but the first: "{name}" is the argument `name` (any
// characters but braces); "{{" and "}}" are a literal "{" and "}". A lone
// brace is an error, found when the tool is loaded.
//
// Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace raven::tool {

// One argv element: literal text and placeholders, in order.
struct Piece {
  bool placeholder = false;
  std::string text;  // the literal text, or the argument's name
  bool operator==(const Piece&) const = default;
};
using Element = std::vector<Piece>;

// Parses one element. On a syntax error returns nullopt and sets `error`
// ("has a '{' without its '}'; write {{ for a literal brace").
std::optional<Element> parse_element(std::string_view text, std::string* error = nullptr);

// The names of every placeholder in `element`, in order.
std::vector<std::string> placeholders(const Element& element);

// The element with `arguments` (a JSON object) substituted. Returns nullopt
// and sets `error` (a sentence for the model) when a placeholder's argument
// is absent, an object or array, or a string holding NUL.
std::optional<std::string> substitute(const Element& element, const nlohmann::json& arguments,
                                      std::string* error = nullptr);

// The text a scalar argument becomes in argv; nullopt for objects, arrays and
// strings holding NUL.
std::optional<std::string> argv_text(const nlohmann::json& value);

}  // namespace raven::tool
