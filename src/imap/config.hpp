// raven::imap::Config — how to reach and log in to the IMAP server.
//
// Filled by the config module from the `imap:` section; validate() is called
// once at start-up and returns every problem (field name + sentence), so the
// config module can report them all at once with their YAML lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/problem.hpp"

namespace raven::imap {

enum class Tls { implicit, starttls, none };

struct Config {
  std::string host;
  std::uint16_t port = 0;            // 0 = default: 993 for implicit TLS, else 143
  Tls tls = Tls::implicit;
  std::string ca_file;               // PEM bundle; empty = the system trust store
  std::string pinned_sha256;         // optional hex SHA-256 of the leaf certificate (DER)
  std::string username;
  std::string password;              // already resolved from password_file / password_command
  std::string mailbox = "INBOX";
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  // Per read (libetpan's timeout) and, through a watchdog, a deadline for each
  // whole command (a server dripping one byte at a time cannot hold us forever).
  std::chrono::milliseconds command_timeout{std::chrono::seconds(60)};

  std::uint16_t effective_port() const noexcept {
    return port != 0 ? port : (tls == Tls::implicit ? 993 : 143);
  }

  // Every problem with these values (fields relative to `imap:`); empty when
  // valid. Never throws.
  Problems validate() const;
};

}  // namespace raven::imap
