#include "imap/tls_verify.hpp"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <array>
#include <memory>

#include "common/error.hpp"

namespace raven::imap {
namespace {

[[noreturn]] void fail(const TlsPeer& peer, const std::string& what) {
  throw Error(ErrorKind::fatal,
              "imap: certificate of " + peer.host + ":" + std::to_string(peer.port) + " " + what);
}

std::string trust_source(const TlsPeer& peer) {
  return peer.ca_file.empty() ? "(system trust store)" : "(ca_file=" + peer.ca_file + ")";
}

struct TrustListFree {
  void operator()(gnutls_x509_trust_list_st* p) const noexcept { gnutls_x509_trust_list_deinit(p, 1); }
};
using TrustList = std::unique_ptr<gnutls_x509_trust_list_st, TrustListFree>;

struct CrtFree {
  void operator()(gnutls_x509_crt_int* p) const noexcept { gnutls_x509_crt_deinit(p); }
};
using Crt = std::unique_ptr<gnutls_x509_crt_int, CrtFree>;

gnutls_datum_t datum(std::string_view bytes) {
  // GnuTLS takes non-const pointers for input data it does not modify.
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data())),
          static_cast<unsigned int>(bytes.size())};
}

// Reasons other than the host name, in words (GnuTLS's status bits).
std::string trust_reasons(unsigned int status) {
  struct Bit {
    unsigned int bit;
    const char* words;
  };
  static constexpr std::array<Bit, 11> bits{{
      {GNUTLS_CERT_SIGNER_NOT_FOUND, "signer not found"},
      {GNUTLS_CERT_SIGNER_NOT_CA, "signer is not a CA"},
      {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer constraints violated"},
      {GNUTLS_CERT_EXPIRED, "expired"},
      {GNUTLS_CERT_NOT_ACTIVATED, "not yet valid"},
      {GNUTLS_CERT_REVOKED, "revoked"},
      {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm"},
      {GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature"},
      {GNUTLS_CERT_PURPOSE_MISMATCH, "not issued for TLS servers"},
      {GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, "unknown critical extension"},
      {GNUTLS_CERT_MISMATCH, "certificate mismatch"},
  }};
  std::string out;
  for (const Bit& b : bits) {
    if ((status & b.bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += b.words;
  }
  if (out.empty()) {
    gnutls_datum_t text{};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
      out.assign(reinterpret_cast<const char*>(text.data), text.size);
      gnutls_free(text.data);
    } else {
      out = "verification status " + std::to_string(status);
    }
  }
  return out;
}

void verify_pinned(const std::vector<std::string>& der_chain, const TlsPeer& peer) {
  const std::string want = normalize_sha256(peer.pinned_sha256);
  if (want.empty()) fail(peer, "cannot be checked: pinned_sha256 is not 64 hex digits");
  const std::string got = sha256_hex(der_chain.front());
  if (got != want) fail(peer, "does not match pinned_sha256 (server sent sha256 " + got + ")");
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), digest.data()) < 0) {
    throw Error(ErrorKind::fatal, "imap: SHA-256 is unavailable in GnuTLS");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 0xf];
  }
  return out;
}

std::string normalize_sha256(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return {};
    out += c;
  }
  return out.size() == 64 ? out : std::string();
}

bool is_ip_literal(const std::string& host) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, host.c_str(), buf.data()) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf.data()) == 1;
}

std::vector<std::string> peer_certificates(mailstream* stream) {
  std::vector<std::string> out;
  etpan::CertChainPtr chain(mailstream_get_certificate_chain(stream));
  if (!chain) return out;
  for (unsigned int i = 0; i < carray_count(chain.get()); ++i) {
    const auto* der = static_cast<const MMAPString*>(carray_get(chain.get(), i));
    out.emplace_back(der->str, der->len);
  }
  return out;
}

void verify_certificate_chain(const std::vector<std::string>& der_chain, const TlsPeer& peer) {
  if (der_chain.empty()) fail(peer, "is missing: the server sent no certificate");
  if (!peer.pinned_sha256.empty()) {
    // A pin names the exact certificate: no CA and no host name to check.
    verify_pinned(der_chain, peer);
    return;
  }

  gnutls_x509_trust_list_t raw_list = nullptr;
  if (gnutls_x509_trust_list_init(&raw_list, 0) < 0) fail(peer, "cannot be checked: out of memory");
  TrustList list(raw_list);
  if (peer.ca_file.empty()) {
    const int n = gnutls_x509_trust_list_add_system_trust(list.get(), 0, 0);
    if (n <= 0) {
      fail(peer, "cannot be checked: the system trust store is empty or unreadable" +
                     (n < 0 ? std::string(" (") + gnutls_strerror(n) + ")" : std::string()));
    }
  } else {
    const int n = gnutls_x509_trust_list_add_trust_file(list.get(), peer.ca_file.c_str(), nullptr,
                                                        GNUTLS_X509_FMT_PEM, 0, 0);
    if (n <= 0) {
      fail(peer, "cannot be checked: no CA certificate could be read from ca_file=" + peer.ca_file +
                     (n < 0 ? std::string(" (") + gnutls_strerror(n) + ")" : std::string()));
    }
  }

  std::vector<Crt> owned;
  std::vector<gnutls_x509_crt_t> certs;
  for (const std::string& der : der_chain) {
    gnutls_x509_crt_t raw = nullptr;
    if (gnutls_x509_crt_init(&raw) < 0) fail(peer, "cannot be checked: out of memory");
    owned.emplace_back(raw);
    const gnutls_datum_t d = datum(der);
    const int r = gnutls_x509_crt_import(raw, &d, GNUTLS_X509_FMT_DER);
    if (r < 0) fail(peer, std::string("cannot be parsed: ") + gnutls_strerror(r));
    certs.push_back(raw);
  }

  std::string host = peer.host;
  std::string purpose = GNUTLS_KP_TLS_WWW_SERVER;
  std::array<gnutls_typed_vdata_st, 2> data{{
      {GNUTLS_DT_DNS_HOSTNAME, reinterpret_cast<unsigned char*>(host.data()), 0},
      {GNUTLS_DT_KEY_PURPOSE_OID, reinterpret_cast<unsigned char*>(purpose.data()), 0},
  }};
  unsigned int status = 0;
  const int r = gnutls_x509_trust_list_verify_crt2(list.get(), certs.data(),
                                                   static_cast<unsigned int>(certs.size()),
                                                   data.data(), static_cast<unsigned int>(data.size()),
                                                   0, &status, nullptr);
  if (r < 0) fail(peer, std::string("cannot be checked: ") + gnutls_strerror(r));
  if (status == 0) return;

  const bool wrong_name = (status & GNUTLS_CERT_UNEXPECTED_OWNER) != 0;
  const unsigned int other = status & ~(GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER);
  if (wrong_name && other == 0) fail(peer, "does not match host name " + peer.host);
  std::string why = "not trusted: " + trust_reasons(other != 0 ? other : status);
  if (wrong_name) why += ", does not match host name " + peer.host;
  fail(peer, why + " " + trust_source(peer));
}

}  // namespace raven::imap
