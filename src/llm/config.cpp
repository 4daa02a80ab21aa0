// raven::llm::Config::validate — every problem at once, never throws.
#include "llm/config.hpp"

#include <unistd.h>

#include <charconv>

#include "common/text.hpp"

namespace raven::llm {
namespace {

struct Url {
  bool https = false;
  std::string_view host;  // as written, brackets included for IPv6
  std::string_view port;
  std::string_view rest;  // from the first '/', '?' or '#'
};

// Splits "scheme://host[:port][/path]" just enough to check it; nullopt if the
// scheme is not http or https.
std::optional<Url> split_url(std::string_view s) {
  Url u;
  const std::string lower = ascii_lower(s.substr(0, 8));
  if (lower.starts_with("https://")) {
    u.https = true;
    s.remove_prefix(8);
  } else if (lower.starts_with("http://")) {
    s.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto end = s.find_first_of("/?#");
  std::string_view authority = s.substr(0, end);
  u.rest = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    u.host = authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1);
    authority.remove_prefix(u.host.size());
    if (authority.starts_with(':'))
      u.port = authority.substr(1);
    else if (!authority.empty())
      u.port = authority;  // junk after ']': reported as a bad port
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) u.port = authority.substr(colon + 1);
  }
  return u;
}

bool valid_port(std::string_view p) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  return ec == std::errc{} && ptr == p.data() + p.size() && value >= 1 && value <= 65535;
}

}  // namespace

bool is_loopback_host(std::string_view host) noexcept {
  // Exact forms only: "localhost." or "127.0.0.1." would go to the resolver,
  // which might answer with anything.
  const std::string h = ascii_lower(host);
  if (h == "localhost") return true;
  if (h == "[::1]" || h == "[0:0:0:0:0:0:0:1]") return true;
  // 127.0.0.0/8 (RFC 1122 §3.2.1.3), dotted quad only.
  if (!h.starts_with("127.")) return false;
  int parts = 0;
  std::string_view rest = h;
  while (!rest.empty()) {
    unsigned octet = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), octet);
    if (ec != std::errc{} || octet > 255) return false;
    ++parts;
    rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()));
    if (rest.empty()) break;
    if (rest.front() != '.') return false;
    rest.remove_prefix(1);
    if (rest.empty()) return false;
  }
  return parts == 4;
}

namespace {
std::string under_base(std::string_view base, std::string_view path) {
  while (base.ends_with('/')) base.remove_suffix(1);
  return std::string(base) + std::string(path);
}
}  // namespace

std::string Config::endpoint() const { return under_base(base_url, "/chat/completions"); }

std::string Config::models_endpoint() const { return under_base(base_url, "/models"); }

Problems Config::validate() const {
  Problems problems;
  const auto add = [&](std::string field, std::string message) {
    problems.push_back({std::move(field), std::move(message)});
  };

  if (base_url.empty()) {
    add("base_url", "must be set (for example https://api.openai.com/v1)");
  } else if (has_line_break_or_nul(base_url) || base_url.find_first_of(" \t") != std::string::npos) {
    add("base_url", "must not contain spaces, CR, LF or NUL");
  } else if (auto url = split_url(base_url); !url) {
    add("base_url", "must start with https:// (or http:// for a server on this machine)");
  } else if (url->host.empty() || url->host == "[]") {
    add("base_url", "must name a host");
  } else if (url->host.find('@') != std::string_view::npos) {
    add("base_url", "must not contain a user name or password (use api_key)");
  } else if (!url->port.empty() && !valid_port(url->port)) {
    add("base_url", "has an invalid port (must be 1-65535)");
  } else if (url->rest.find_first_of("?#") != std::string_view::npos) {
    add("base_url", "must not contain a query or fragment");
  } else if (!url->https && !allow_insecure_http && !is_loopback_host(url->host)) {
    add("base_url",
        "uses plain http to a host that is not loopback, which would send the API key and the mail "
        "in clear text; use https://, or set allow_insecure_http: true");
  }

  // The key goes into an HTTP header: a line break would inject headers.
  if (has_line_break_or_nul(api_key)) add("api_key", "must not contain CR, LF or NUL");
  if (model.empty()) {
    add("model", "must be set (for example gpt-4o-mini)");
  } else if (has_line_break_or_nul(model)) {
    add("model", "must not contain CR, LF or NUL");
  }
  // system_prompt may span lines: it travels JSON-escaped in the body.
  if (system_prompt.find('\0') != std::string::npos) add("system_prompt", "must not contain NUL");
  if (temperature && !(*temperature >= 0.0 && *temperature <= 2.0)) {
    add("temperature", "must be between 0 and 2");
  }

  if (timeout.count() <= 0) add("timeout", "must be positive");
  if (connect_timeout.count() <= 0) add("connect_timeout", "must be positive");
  if (max_response_bytes < 1024) add("max_response_bytes", "must be at least 1KiB");
  if (max_retries > 20) add("max_retries", "must be at most 20");
  if (max_retry_after.count() < 0) add("max_retry_after", "must not be negative");
  if (max_tool_rounds > kMaxToolRoundsLimit) {
    add("max_tool_rounds", "must be at most " + std::to_string(kMaxToolRoundsLimit));
  }
  for (auto& p : retry_backoff.validate()) add("retry_backoff." + p.field, p.message);

  if (!ca_file.empty()) {
    if (has_line_break_or_nul(ca_file)) {
      add("ca_file", "must not contain CR, LF or NUL");
    } else if (::access(ca_file.c_str(), R_OK) != 0) {
      add("ca_file", "cannot be read: " + ca_file);
    }
  }
  return problems;
}

}  // namespace raven::llm
