// raven::smtp::Config::validate — every problem at once, never throws.
#include "smtp/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "common/text.hpp"

namespace raven::smtp {
namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

std::string_view strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

// The host goes into the URL handed to libcurl, so it must not be able to add
// a user, a path or a port of its own: a DNS name, an IPv4 address, or an IPv6
// address (optionally in brackets) — nothing else.
bool is_valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253 + 2) return false;
  std::string_view inner = strip_brackets(host);
  if (inner.find(':') != std::string_view::npos) {
    in6_addr addr{};
    return ::inet_pton(AF_INET6, std::string(inner).c_str(), &addr) == 1;
  }
  if (inner.size() != host.size()) return false;  // brackets around a non-IPv6 host
  for (char c : host) {
    if (!is_host_char(c)) return false;
  }
  return host.front() != '-' && host.front() != '.';
}

}  // namespace

std::string_view to_string(Tls tls) noexcept {
  switch (tls) {
    case Tls::implicit: return "implicit";
    case Tls::starttls: return "starttls";
    case Tls::none: return "none";
  }
  return "?";
}

bool is_loopback_host(std::string_view host) noexcept {
  try {
    std::string lower = ascii_lower(strip_brackets(host));
    if (lower == "localhost" || lower == "localhost.") return true;
    in_addr v4{};
    if (::inet_pton(AF_INET, lower.c_str(), &v4) == 1) {
      return (ntohl(v4.s_addr) >> 24) == 127;  // RFC 1122 §3.2.1.3: 127.0.0.0/8
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, lower.c_str(), &v6) == 1) {
      if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;  // ::1
      return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
  } catch (...) {
    return false;
  }
}

std::string envelope_address_problem(std::string_view address) {
  if (address.empty()) return "must not be empty";
  if (has_line_break_or_nul(address)) return "must not contain CR, LF or NUL";
  if (address.find_first_of("<>") != std::string_view::npos) {
    return "must be a bare address like name@example.com, without <> or a display name";
  }
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "must not contain spaces or control characters";
  }
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets including "<" and ">".
  if (address.size() > 254) return "must be at most 254 characters";
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return "must be an address of the form local@domain";
  }
  return {};
}

Problems Config::validate() const {
  Problems problems;
  const auto add = [&](std::string field, std::string message) {
    problems.push_back({std::move(field), std::move(message)});
  };

  if (host.empty()) {
    add("host", "must be set");
  } else if (!is_valid_host(host)) {
    add("host", "must be a host name or IP address (no spaces, ports, paths or line breaks)");
  } else if (tls == Tls::none && !is_loopback_host(host)) {
    // Without TLS the password and every reply would cross the network in clear.
    add("tls",
        "none is only allowed when host is loopback (localhost, 127.0.0.0/8, ::1); use implicit or starttls");
  }
  // port: 0 means the default for `tls`; any other uint16 value is a port.

  if (!ca_file.empty()) {
    if (tls == Tls::none) {
      add("ca_file", "has no effect with tls: none");
    } else if (has_line_break_or_nul(ca_file)) {
      add("ca_file", "must not contain CR, LF or NUL");
    } else if (::access(ca_file.c_str(), R_OK) != 0) {
      add("ca_file", "cannot be read: " + ca_file + " (" + std::generic_category().message(errno) + ")");
    }
  }

  if (has_line_break_or_nul(username)) {
    add("username", "must not contain CR, LF or NUL");
  }
  if (has_line_break_or_nul(password)) {
    add("password", "must not contain CR, LF or NUL");
  }
  if (!username.empty() && password.empty()) {
    add("password", "must be set when username is (or password_file / password_command)");
  }
  if (username.empty() && !password.empty()) {
    add("username", "must be set when a password is");
  }

  if (envelope_from.empty()) {
    add("envelope_from", "must be set (the address for MAIL FROM, e.g. raven@example.com)");
  } else if (std::string why = envelope_address_problem(envelope_from); !why.empty()) {
    add("envelope_from", why);
  }

  if (connect_timeout.count() <= 0) add("connect_timeout", "must be positive");
  if (timeout.count() <= 0) add("timeout", "must be positive");
  return problems;
}

}  // namespace raven::smtp
