// raven::imap TLS verification — the certificate check libetpan does not do.
//
// Why: libetpan's GnuTLS build completes the handshake without verifying the
// server certificate, and its CA-file setter is a stub (DESIGN.md, "Verified
// pitfalls"). After the handshake and before LOGIN, the session takes the
// peer's chain (mailstream_get_certificate_chain) and verifies it here with
// GnuTLS: against the system trust store or Config::ca_file, including the
// host name (RFC 6125; an IP literal is matched against IP SANs), or, when
// Config::pinned_sha256 is set, by comparing the leaf's SHA-256 instead.
//
// All functions are pure computations (they read ca_file / the system store),
// block only on that file I/O, and are safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/etpan.hpp"

namespace raven::imap {

struct TlsPeer {
  std::string host;           // what we connected to: DNS name or IP literal
  std::uint16_t port = 0;
  std::string ca_file;        // PEM bundle; empty = system trust store
  std::string pinned_sha256;  // hex (colons allowed); empty = verify with CAs
};

// Verifies `der_chain` (leaf first, as the server sent it). Throws a fatal
// raven::Error whose message names host:port and the reason, e.g.
// "imap: certificate of 127.0.0.1:993 not trusted: signer not found (ca_file=/x.pem)".
void verify_certificate_chain(const std::vector<std::string>& der_chain, const TlsPeer& peer);

// The DER certificates the TLS stream received, leaf first (empty for a
// plaintext stream).
std::vector<std::string> peer_certificates(mailstream* stream);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// `text` without ':' and spaces, lower-cased, if it is 64 hex digits; else "".
std::string normalize_sha256(std::string_view text);

// True if `host` is an IPv4 or IPv6 literal (no SNI is sent for those, RFC 6066 §3).
bool is_ip_literal(const std::string& host);

}  // namespace raven::imap
