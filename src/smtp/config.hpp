// raven::smtp::Config — how to reach and log in to the SMTP submission server.
//
// Filled by the config module from the `smtp:` section; validate() is called
// once at start-up and returns every problem (field name relative to `smtp:`
// plus a sentence), so the config module can report them all at once with
// their YAML lines. Session's constructor refuses a Config with problems.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/problem.hpp"

namespace raven::smtp {

// How the connection is protected.
//  - implicit: TLS from the first byte, "SMTPS" (RFC 8314 §3.3; port 465).
//  - starttls: plaintext greeting, then STARTTLS (RFC 3207; port 587). TLS is
//    required: a server that does not offer STARTTLS is an error, never a
//    silent fallback to plaintext.
//  - none: no TLS at all; allowed only towards a loopback host.
enum class Tls { implicit, starttls, none };

struct Config {
  std::string host;        // DNS name or IP address (IPv6 with or without brackets)
  std::uint16_t port = 0;  // 0 = default for `tls`: 465, 587 or 25
  Tls tls = Tls::implicit;
  std::string ca_file;        // PEM bundle to trust; empty = the system trust store
  std::string username;       // empty = no AUTH; else AUTH PLAIN or LOGIN
  std::string password;       // already resolved from password_file / password_command
  std::string envelope_from;  // MAIL FROM for every message: a bare address, no <>
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};  // TCP + TLS + greeting
  // Deadline for one whole submission, connecting included; also the longest
  // wait for any single server reply.
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};

  // RFC 8314 §7.3 (465), RFC 6409 §3.1 (587), RFC 5321 §4.5.4.2 (25).
  std::uint16_t effective_port() const noexcept {
    if (port != 0) return port;
    switch (tls) {
      case Tls::implicit: return 465;
      case Tls::starttls: return 587;
      case Tls::none: return 25;
    }
    return 465;
  }

  // Every problem with these values (fields relative to `smtp:`); empty when
  // valid. Checks that `tls: none` points at a loopback host, that no string
  // that reaches the wire holds CR, LF or NUL, that envelope_from is a bare
  // address, and that ca_file is readable. Never throws; does not block
  // beyond an access(2) call.
  Problems validate() const;
};

// "implicit", "starttls", "none".
std::string_view to_string(Tls tls) noexcept;

// Why `address` cannot be used in MAIL FROM / RCPT TO, or "" when it can.
// A usable envelope address is a bare local@domain (RFC 5321 §4.1.2) of at most
// 254 octets (§4.5.3.1.3 allows 256 for the path including "<>"), with no
// CR/LF/NUL (command injection), no "<" or ">" (which would end the path
// early), and no spaces or other control characters. Non-ASCII (UTF-8) is
// allowed; libcurl asks for SMTPUTF8 when needed. Never throws.
std::string envelope_address_problem(std::string_view address);

// True for "localhost", 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 (with or
// without [brackets]). Resolves nothing. Never throws.
bool is_loopback_host(std::string_view host) noexcept;

}  // namespace raven::smtp
