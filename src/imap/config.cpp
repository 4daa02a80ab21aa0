// raven::imap::Config::validate — every problem at once, never throws.
#include <unistd.h>

#include "common/text.hpp"
#include "imap/config.hpp"
#include "imap/tls_verify.hpp"

namespace raven::imap {
namespace {

bool has_space(const std::string& s) {
  return s.find_first_of(" \t") != std::string::npos;
}

}  // namespace

Problems Config::validate() const {
  Problems problems;
  const auto add = [&](std::string field, std::string message) {
    problems.push_back({std::move(field), std::move(message)});
  };

  if (host.empty()) {
    add("host", "must be set");
  } else if (has_line_break_or_nul(host) || has_space(host)) {
    add("host", "must be a host name or IP address without spaces or line breaks");
  }
  // port: 0 means the default for `tls`; any other uint16 value is a port.

  if (tls == Tls::none) {
    if (!ca_file.empty()) add("ca_file", "has no effect with tls: none");
    if (!pinned_sha256.empty()) add("pinned_sha256", "has no effect with tls: none");
  }
  if (!ca_file.empty()) {
    if (has_line_break_or_nul(ca_file)) {
      add("ca_file", "must not contain line breaks or NUL");
    } else if (::access(ca_file.c_str(), R_OK) != 0) {
      add("ca_file", "cannot be read: " + ca_file);
    }
  }
  if (!pinned_sha256.empty() && normalize_sha256(pinned_sha256).empty()) {
    add("pinned_sha256", "must be the SHA-256 of the certificate: 64 hex digits (colons allowed)");
  }
  if (!pinned_sha256.empty() && !ca_file.empty()) {
    add("pinned_sha256", "cannot be combined with ca_file (a pin replaces CA verification)");
  }

  if (username.empty()) {
    add("username", "must be set");
  } else if (has_line_break_or_nul(username)) {
    add("username", "must not contain CR, LF or NUL");
  }
  if (password.empty()) {
    add("password", "must be set (or password_file / password_command)");
  } else if (has_line_break_or_nul(password)) {
    add("password", "must not contain CR, LF or NUL");
  }
  if (mailbox.empty()) {
    add("mailbox", "must be set");
  } else if (has_line_break_or_nul(mailbox)) {
    add("mailbox", "must not contain CR, LF or NUL");
  }

  if (connect_timeout.count() <= 0) add("connect_timeout", "must be positive");
  if (command_timeout.count() <= 0) add("command_timeout", "must be positive");
  return problems;
}

}  // namespace raven::imap
