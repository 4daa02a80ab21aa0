#include "policy/header_value.hpp"

#include "common/text.hpp"

namespace raven::policy::detail {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string strip_comments(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (depth > 0) {
      // RFC 5322 §3.2.2: a quoted-pair inside a comment hides a parenthesis.
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) out += ' ';
      }
      continue;
    }
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < value.size()) {
        out += value[++i];
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      out += c;
    } else if (c == '(') {
      depth = 1;
    } else {
      out += c;
    }
  }
  return std::string(trim(out));
}

std::string first_keyword(std::string_view value) {
  const std::string plain = strip_comments(value);
  std::string out;
  for (char c : plain) {
    if (c == ';' || is_space(c)) break;
    out += lower(c);
  }
  return out;
}

std::vector<std::string> keyword_list(std::string_view value) {
  const std::string plain = strip_comments(value);
  std::vector<std::string> out;
  std::string_view rest = plain;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view token = trim(rest.substr(0, comma));
    if (!token.empty()) out.push_back(ascii_lower(token));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::string> return_path_address(std::string_view value) {
  std::string plain = strip_comments(value);
  // Comments may split "< >"; spaces are never part of a path.
  std::string path;
  for (char c : plain) {
    if (!is_space(c)) path += c;
  }
  if (path.size() >= 2 && path.front() == '<' && path.back() == '>') {
    path = path.substr(1, path.size() - 2);
  }
  // RFC 5321 §4.1.2: a source route "@a,@b:user@host" is obsolete but legal.
  if (!path.empty() && path.front() == '@') {
    const std::size_t colon = path.find(':');
    if (colon == std::string::npos) return std::nullopt;
    path.erase(0, colon + 1);
  }
  if (path.empty()) {
    // "<>" is the null sender; an empty field says nothing.
    return trim(plain).empty() ? std::nullopt : std::optional<std::string>(std::string());
  }
  for (char c : path) {
    if (c == '<' || c == '>' || c == ',' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  return path;
}

std::string local_part(std::string_view address) {
  const std::size_t at = address.rfind('@');
  std::string_view local = at == std::string_view::npos ? address : address.substr(0, at);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"')
    local = local.substr(1, local.size() - 2);
  const std::size_t plus = local.find('+');
  if (plus != std::string_view::npos && plus > 0) local = local.substr(0, plus);
  return ascii_lower(local);
}

bool same_address(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size() || a.empty()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace raven::policy::detail
