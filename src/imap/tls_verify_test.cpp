// Certificate verification against certificates made here with GnuTLS: a CA,
// a server certificate it signed, and a CA that signed nothing (no network).
#include "imap/tls_verify.hpp"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>

#include "common/error.hpp"

namespace raven::imap {
namespace {

struct KeyFree {
  void operator()(gnutls_x509_privkey_int* k) const noexcept { gnutls_x509_privkey_deinit(k); }
};
struct CrtFree {
  void operator()(gnutls_x509_crt_int* c) const noexcept { gnutls_x509_crt_deinit(c); }
};
using Key = std::unique_ptr<gnutls_x509_privkey_int, KeyFree>;
using Crt = std::unique_ptr<gnutls_x509_crt_int, CrtFree>;

void ok(int r) { ASSERT_GE(r, 0) << gnutls_strerror(r); }

Key make_key() {
  gnutls_x509_privkey_t k = nullptr;
  EXPECT_EQ(gnutls_x509_privkey_init(&k), 0);
  Key key(k);
  const unsigned int bits = (1U << 31) | static_cast<unsigned int>(GNUTLS_ECC_CURVE_SECP256R1);
  ok(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA, bits, 0));
  return key;
}

struct Issued {
  Key key;
  Crt crt;
};

// Signs with `issuer` (self-signed when null).
Issued make_cert(const std::string& cn, bool ca, const Issued* issuer, std::time_t not_after,
                 const std::string& dns = {}, const std::string& ip = {}) {
  Issued out{make_key(), nullptr};
  gnutls_x509_crt_t c = nullptr;
  EXPECT_EQ(gnutls_x509_crt_init(&c), 0);
  out.crt.reset(c);
  ok(gnutls_x509_crt_set_version(c, 3));
  static unsigned char serial = 1;
  const std::array<unsigned char, 2> s{0x01, serial++};
  ok(gnutls_x509_crt_set_serial(c, s.data(), s.size()));
  ok(gnutls_x509_crt_set_activation_time(c, std::time(nullptr) - 3600));
  ok(gnutls_x509_crt_set_expiration_time(c, not_after));
  ok(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn.data(), static_cast<unsigned>(cn.size())));
  ok(gnutls_x509_crt_set_key(c, out.key.get()));
  if (ca) {
    ok(gnutls_x509_crt_set_basic_constraints(c, 1, -1));
    ok(gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN));
  } else {
    ok(gnutls_x509_crt_set_basic_constraints(c, 0, -1));
    ok(gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_DIGITAL_SIGNATURE));
    ok(gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0));
    if (!dns.empty()) {
      ok(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, dns.data(), static_cast<unsigned>(dns.size()),
                                              GNUTLS_FSAN_APPEND));
    }
    if (!ip.empty()) {
      std::array<unsigned char, 4> addr{};
      EXPECT_EQ(inet_pton(AF_INET, ip.c_str(), addr.data()), 1);
      ok(gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr.data(), 4, GNUTLS_FSAN_APPEND));
    }
  }
  const Issued& by = issuer != nullptr ? *issuer : out;
  ok(gnutls_x509_crt_sign2(c, by.crt.get(), by.key.get(), GNUTLS_DIG_SHA256, 0));
  return out;
}

std::string export_crt(const Crt& crt, gnutls_x509_crt_fmt_t fmt) {
  gnutls_datum_t d{};
  EXPECT_EQ(gnutls_x509_crt_export2(crt.get(), fmt, &d), 0);
  std::string out(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  return out;
}

class TlsVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/raven-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::time_t year = std::time(nullptr) + 365 * 24 * 3600;
    ca_ = make_cert("Raven Test CA", true, nullptr, year);
    other_ca_ = make_cert("Other CA", true, nullptr, year);
    leaf_ = make_cert("mail.example.test", false, &ca_, year, "mail.example.test", "127.0.0.1");
    expired_ = make_cert("mail.example.test", false, &ca_, std::time(nullptr) - 60, "mail.example.test");
    ca_file_ = dir_ + "/ca.pem";
    other_ca_file_ = dir_ + "/other.pem";
    std::ofstream(ca_file_) << export_crt(ca_.crt, GNUTLS_X509_FMT_PEM);
    std::ofstream(other_ca_file_) << export_crt(other_ca_.crt, GNUTLS_X509_FMT_PEM);
    chain_ = {export_crt(leaf_.crt, GNUTLS_X509_FMT_DER)};
  }
  void TearDown() override {
    ::unlink(ca_file_.c_str());
    ::unlink(other_ca_file_.c_str());
    ::rmdir(dir_.c_str());
  }

  // The message of the fatal Error, or "" when verification passed.
  std::string verify(const std::vector<std::string>& chain, TlsPeer peer) {
    try {
      verify_certificate_chain(chain, peer);
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::fatal);
      return e.what();
    }
  }

  std::string dir_, ca_file_, other_ca_file_;
  Issued ca_, other_ca_, leaf_, expired_;
  std::vector<std::string> chain_;
};

TEST_F(TlsVerify, AcceptsTheRightCaAndHostName) {
  EXPECT_EQ(verify(chain_, {"mail.example.test", 993, ca_file_, ""}), "");
  EXPECT_EQ(verify(chain_, {"MAIL.example.test", 993, ca_file_, ""}), "");
}

TEST_F(TlsVerify, MatchesAnIpLiteralAgainstIpSans) {
  EXPECT_EQ(verify(chain_, {"127.0.0.1", 993, ca_file_, ""}), "");
  EXPECT_NE(verify(chain_, {"127.0.0.2", 993, ca_file_, ""}), "");
  // Other spellings of 127.0.0.1 are other names: "127.1" is no IP literal
  // for GnuTLS (a DNS name that matches no SAN), ::ffff:127.0.0.1 is IPv6.
  EXPECT_EQ(verify(chain_, {"127.1", 993, ca_file_, ""}),
            "imap: certificate of 127.1:993 does not match host name 127.1");
  EXPECT_NE(verify(chain_, {"::ffff:127.0.0.1", 993, ca_file_, ""}), "");
}

TEST_F(TlsVerify, RejectsAnotherHostName) {
  const std::string e = verify(chain_, {"other.example.test", 993, ca_file_, ""});
  EXPECT_EQ(e, "imap: certificate of other.example.test:993 does not match host name other.example.test");
}

TEST_F(TlsVerify, RejectsAnUnknownSigner) {
  const std::string e = verify(chain_, {"mail.example.test", 993, other_ca_file_, ""});
  EXPECT_EQ(e, "imap: certificate of mail.example.test:993 not trusted: signer not found (ca_file=" +
                   other_ca_file_ + ")");
}

TEST_F(TlsVerify, RejectsASelfMadeCaAgainstTheSystemStore) {
  const std::string e = verify(chain_, {"mail.example.test", 993, "", ""});
  EXPECT_NE(e.find("not trusted"), std::string::npos) << e;
  EXPECT_NE(e.find("(system trust store)"), std::string::npos) << e;
}

TEST_F(TlsVerify, RejectsAnExpiredCertificate) {
  const std::string e = verify({export_crt(expired_.crt, GNUTLS_X509_FMT_DER)}, {"mail.example.test", 993, ca_file_, ""});
  EXPECT_NE(e.find("expired"), std::string::npos) << e;
}

TEST_F(TlsVerify, PinReplacesCaAndHostChecks) {
  const std::string pin = sha256_hex(chain_.front());
  EXPECT_EQ(verify(chain_, {"anything.example", 993, other_ca_file_, pin}), "");
  std::string upper_with_colons;
  for (std::size_t i = 0; i < pin.size(); i += 2) {
    if (i != 0) upper_with_colons += ':';
    upper_with_colons += static_cast<char>(std::toupper(pin[i]));
    upper_with_colons += static_cast<char>(std::toupper(pin[i + 1]));
  }
  EXPECT_EQ(verify(chain_, {"mail.example.test", 993, "", upper_with_colons}), "");
  const std::string e = verify(chain_, {"mail.example.test", 993, "", std::string(64, '0')});
  EXPECT_NE(e.find("does not match pinned_sha256"), std::string::npos) << e;
}

TEST_F(TlsVerify, UnreadableCaFileIsFatal) {
  const std::string e = verify(chain_, {"mail.example.test", 993, dir_ + "/missing.pem", ""});
  EXPECT_NE(e.find("cannot be checked"), std::string::npos) << e;
}

TEST_F(TlsVerify, EmptyChainIsFatal) { EXPECT_NE(verify({}, {"mail.example.test", 993, ca_file_, ""}), ""); }

TEST(TlsHelpers, NormalizesFingerprints) {
  EXPECT_EQ(normalize_sha256(std::string(64, 'A')), std::string(64, 'a'));
  EXPECT_EQ(normalize_sha256("abc"), "");
  EXPECT_EQ(normalize_sha256(std::string(63, 'a') + "g"), "");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(TlsHelpers, RecognizesIpLiterals) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("mail.example.test"));
}

}  // namespace
}  // namespace raven::imap
