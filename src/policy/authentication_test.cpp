// Rule 3: the RFC 8601 Authentication-Results parser (the RFC's own examples,
// comments, quoting, case, real mailers' deviations), which fields are
// trusted (topmost block, forgeries below), alignment, and the verdict.
#include "policy/authentication.hpp"

#include <gtest/gtest.h>

#include "message/parse.hpp"

namespace raven::policy {
namespace {

AuthResults parse(std::string_view value) {
  auto r = parse_authentication_results(value);
  EXPECT_TRUE(r.has_value()) << value;
  return r.value_or(AuthResults{});
}

std::string prop(const AuthResult& r, std::string_view ptype, std::string_view name) {
  const std::string* v = r.property(ptype, name);
  return v != nullptr ? *v : "<absent>";
}

// ---- parsing -------------------------------------------------------------------

TEST(AuthResultsParse, NoResult) {
  // RFC 8601 Appendix B.2.
  const AuthResults r = parse("example.org 1; none");
  EXPECT_EQ(r.authserv_id, "example.org");
  EXPECT_EQ(r.version, "1");
  EXPECT_TRUE(r.none);
  EXPECT_TRUE(r.results.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(AuthResultsParse, OneResult) {
  // RFC 8601 Appendix B.3.
  const AuthResults r = parse("example.com; spf=pass smtp.mailfrom=example.net");
  EXPECT_EQ(r.authserv_id, "example.com");
  EXPECT_EQ(r.version, "");
  EXPECT_FALSE(r.none);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].method, "spf");
  EXPECT_EQ(r.results[0].result, "pass");
  EXPECT_EQ(prop(r.results[0], "smtp", "mailfrom"), "example.net");
}

TEST(AuthResultsParse, SeveralResultsWithComments) {
  // RFC 8601 Appendix B.4 and B.5, as one field.
  const AuthResults r = parse(
      "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
      "          spf=pass smtp.mailfrom=example.net;\r\n"
      "          dkim=pass (good signature) header.d=mail-router.example.net;\r\n"
      "          dkim=fail (bad signature) header.d=newyork.example.com");
  ASSERT_EQ(r.results.size(), 4u);
  EXPECT_EQ(r.results[0].method, "auth");
  EXPECT_EQ(prop(r.results[0], "smtp", "auth"), "sender@example.net");
  EXPECT_EQ(r.results[2].method, "dkim");
  EXPECT_EQ(r.results[2].result, "pass");
  EXPECT_EQ(prop(r.results[2], "header", "d"), "mail-router.example.net");
  EXPECT_EQ(r.results[3].result, "fail");
  EXPECT_EQ(prop(r.results[3], "header", "d"), "newyork.example.com");
  EXPECT_TRUE(r.errors.empty());
}

TEST(AuthResultsParse, CommentHeavy) {
  // RFC 8601 Appendix B.7: CFWS everywhere the grammar allows it.
  const AuthResults r = parse(
      "foo.example.net (foobar) 1 (baz);\r\n"
      "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
      "      policy (A dot can go here) . (like that) expired\r\n"
      "      (this surprised me) = (as I wasn't expecting it) 1362471462");
  EXPECT_EQ(r.authserv_id, "foo.example.net");
  EXPECT_EQ(r.version, "1");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].method, "dkim");
  EXPECT_EQ(r.results[0].method_version, "1");
  EXPECT_EQ(r.results[0].result, "fail");
  EXPECT_EQ(prop(r.results[0], "policy", "expired"), "1362471462");
  EXPECT_TRUE(r.errors.empty());
}

TEST(AuthResultsParse, NestedCommentsAndQuotedPairs) {
  const AuthResults r = parse(
      "mx.example.com (outer (inner; dkim=pass) still \\) outer);"
      " spf=pass (a (deeply (nested)) comment) smtp.mailfrom=alice@example.org");
  EXPECT_EQ(r.authserv_id, "mx.example.com");
  ASSERT_EQ(r.results.size(), 1u) << "the dkim=pass inside the comment must not count";
  EXPECT_EQ(r.results[0].method, "spf");
  EXPECT_EQ(prop(r.results[0], "smtp", "mailfrom"), "alice@example.org");
}

TEST(AuthResultsParse, QuotedStrings) {
  const AuthResults r = parse(
      "\"mx.example.com\"; dkim=pass reason=\"good; (really) \\\"fine\\\"\" header.d=\"example.org\";"
      " spf=pass smtp.mailfrom=\"john \\\"q\\\" smith\"@example.org");
  EXPECT_EQ(r.authserv_id, "mx.example.com");
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].reason, "good; (really) \"fine\"");
  EXPECT_EQ(prop(r.results[0], "header", "d"), "example.org");
  EXPECT_EQ(prop(r.results[1], "smtp", "mailfrom"), "john \"q\" smith@example.org");
}

TEST(AuthResultsParse, CaseInsensitive) {
  const AuthResults r = parse("MX.Example.COM; DKIM=Pass Header.D=Example.ORG; SPF=SoftFail");
  EXPECT_EQ(r.authserv_id, "MX.Example.COM");  // as written; compared case-insensitively
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].method, "dkim");
  EXPECT_EQ(r.results[0].result, "pass");
  EXPECT_EQ(prop(r.results[0], "header", "d"), "Example.ORG");
  EXPECT_EQ(prop(r.results[0], "HEADER", "D"), "Example.ORG");
  EXPECT_EQ(r.results[1].result, "softfail");
}

TEST(AuthResultsParse, RealMailers) {
  // Gmail: header.i only, base64 with '/', '+' and '='.
  const AuthResults g = parse(
      "mx.google.com;\r\n       dkim=pass header.i=@example.org header.s=20230601 header.b=Ab/+cD=;\r\n"
      "       spf=pass (google.com: domain of alice@example.org designates 192.0.2.1 as permitted sender)"
      " smtp.mailfrom=alice@example.org;\r\n"
      "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org");
  ASSERT_EQ(g.results.size(), 3u);
  EXPECT_EQ(prop(g.results[0], "header", "i"), "@example.org");
  EXPECT_EQ(prop(g.results[0], "header", "b"), "Ab/+cD=");
  EXPECT_EQ(prop(g.results[2], "header", "from"), "example.org");
  // Microsoft: properties without a ptype, no space after ';'.
  // Exchange Online writes no authserv-id at all: unreadable, never anyone's.
  EXPECT_FALSE(
      parse_authentication_results(
          "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.org; dkim=none (message not signed)"
          " header.d=none;dmarc=none action=none header.from=example.org;compauth=pass reason=100")
          .has_value());
  const AuthResults m2 = parse(
      "mx.example.com; dkim=none header.d=none;dmarc=none action=none header.from=example.org;"
      "compauth=pass reason=100");
  ASSERT_EQ(m2.results.size(), 3u);
  EXPECT_EQ(prop(m2.results[1], "", "action"), "none");
  EXPECT_EQ(m2.results[2].reason, "100");
  EXPECT_TRUE(m2.errors.empty());
}

TEST(AuthResultsParse, BadResinfosAreSkippedNotFatal) {
  const AuthResults r =
      parse("mx.example.com; dkim; =pass; spf=pass smtp.mailfrom=a@example.org; dmarc=; x=y z; ;");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].method, "spf");
  EXPECT_EQ(r.errors.size(), 4u);
}

TEST(AuthResultsParse, Unreadable) {
  for (std::string_view v :
       {"", "   ", "; spf=pass", "(just a comment)", "@@@; spf=pass", "\"unterminated"}) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(parse_authentication_results(v).has_value());
  }
  // An unterminated comment or quoted string inside is survived.
  EXPECT_TRUE(
      parse_authentication_results("mx; spf=pass (never closed smtp.mailfrom=a@b.example").has_value());
  EXPECT_TRUE(parse_authentication_results("mx; dkim=pass reason=\"never closed").has_value());
}

TEST(AuthResultsParse, Bounded) {
  std::string v = "mx.example.com";
  for (int i = 0; i < 100; ++i) v += "; dkim=pass header.d=d" + std::to_string(i) + ".example";
  const AuthResults r = parse(v);
  EXPECT_EQ(r.results.size(), 64u);
  EXPECT_EQ(r.errors.size(), 36u);
}

// ---- alignment -----------------------------------------------------------------

TEST(AuthAlignment, RelaxedWithoutPublicSuffixList) {
  EXPECT_TRUE(domains_aligned("example.org", "example.org"));
  EXPECT_TRUE(domains_aligned("Example.ORG.", "example.org"));
  EXPECT_TRUE(domains_aligned("mail.example.org", "example.org"));
  EXPECT_TRUE(domains_aligned("example.org", "a.b.example.org"));
  EXPECT_FALSE(domains_aligned("badexample.org", "example.org"));  // not at a label boundary
  EXPECT_FALSE(domains_aligned("example.org.evil.example", "example.org"));
  EXPECT_FALSE(domains_aligned("a.example.org", "b.example.org"));  // siblings: a documented false skip
  EXPECT_FALSE(domains_aligned("org", "example.org"));              // a top-level domain never aligns
  EXPECT_FALSE(domains_aligned("", "example.org"));
  EXPECT_FALSE(domains_aligned("", ""));
}

// ---- which fields count ----------------------------------------------------------

using Fields = std::vector<HeaderField>;

TEST(AuthTrusted, TopmostBlockOnly) {
  const Fields fields = {
      {"Received", "from mx.example.com by imap.example.com"},      // a later hop: passed over
      {"Authentication-Results", "filter.example.com; spam=pass"},  // another id above: passed over
      {"Authentication-Results", "mx.example.com; dkim=pass header.d=example.org"},
      {"X-Other", "anything"},
      {"authentication-results", "MX.EXAMPLE.COM; spf=pass smtp.mailfrom=example.org"},
      {"Received", "from sender.example.org by mx.example.com"},                         // ends the block
      {"Authentication-Results", "mx.example.com; dmarc=pass header.from=example.org"},  // forged
  };
  const TrustedResults t = trusted_results(fields, "mx.example.com");
  ASSERT_EQ(t.fields.size(), 2u);
  EXPECT_EQ(t.fields[0].results[0].method, "dkim");
  EXPECT_EQ(t.fields[1].results[0].method, "spf");
  EXPECT_EQ(t.ignored, 2u);
  EXPECT_EQ(t.other_ids, (std::vector<std::string>{"filter.example.com"}));
}

TEST(AuthTrusted, AnotherIdEndsTheBlock) {
  const Fields fields = {
      {"Authentication-Results", "mx.example.com; dkim=fail header.d=example.org"},
      {"Authentication-Results", "relay.example.net; dkim=pass header.d=example.org"},
      {"Authentication-Results", "mx.example.com; dmarc=pass"},
      {"Authentication-Results", "garbage without a semicolon (and an open comment"},
  };
  const TrustedResults t = trusted_results(fields, "mx.example.com");
  ASSERT_EQ(t.fields.size(), 1u);
  EXPECT_EQ(t.fields[0].results[0].result, "fail");
  EXPECT_EQ(t.ignored, 3u);
}

TEST(AuthTrusted, NoneOfOurs) {
  const Fields fields = {{"Authentication-Results", "other.example; dmarc=pass"}, {"Received", "x"}};
  const TrustedResults t = trusted_results(fields, "mx.example.com");
  EXPECT_TRUE(t.fields.empty());
  EXPECT_EQ(t.ignored, 1u);
}

// ---- the verdict -----------------------------------------------------------------

AuthVerdict verdict(std::initializer_list<const char*> results,
                    std::vector<std::string> from = {"alice@example.org"}) {
  Fields fields;
  for (const char* r : results) fields.push_back({"Authentication-Results", r});
  return authenticate(fields, from, "mx.example.com");
}

TEST(AuthVerdict, DmarcPass) {
  const AuthVerdict v = verdict({"mx.example.com; dmarc=pass header.from=example.org"});
  EXPECT_TRUE(v.pass) << v.sentence;
  EXPECT_EQ(v.evidence.back(), "authentication: pass (example.org by dmarc=pass header.from=example.org)");
  EXPECT_TRUE(verdict({"mx.example.com; dmarc=pass"}).pass);
  EXPECT_TRUE(verdict({"mx.example.com; DMARC=PASS header.from=EXAMPLE.org"}).pass);
  // DMARC for another domain proves nothing about this From.
  EXPECT_FALSE(verdict({"mx.example.com; dmarc=pass header.from=evil.example"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; dmarc=fail header.from=example.org"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; dmarc=bestguesspass header.from=example.org"}).pass);
}

TEST(AuthVerdict, DkimMustBeAligned) {
  EXPECT_TRUE(verdict({"mx.example.com; dkim=pass header.d=example.org"}).pass);
  EXPECT_TRUE(verdict({"mx.example.com; dkim=pass header.d=mail.example.org"}).pass);
  EXPECT_TRUE(verdict({"mx.example.com; dkim=pass header.i=@example.org"}).pass);  // Gmail
  const AuthVerdict v = verdict({"mx.example.com; dkim=pass header.d=mailer.example.net; spf=softfail"});
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.sentence.find("dkim=pass header.d=mailer.example.net"), std::string::npos) << v.sentence;
  EXPECT_NE(v.sentence.find("spf=softfail"), std::string::npos) << v.sentence;
  EXPECT_NE(v.sentence.find("example.org"), std::string::npos) << v.sentence;
  EXPECT_FALSE(verdict({"mx.example.com; dkim=pass"}).pass);  // no domain to align
  EXPECT_FALSE(verdict({"mx.example.com; dkim=fail header.d=example.org"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; dkim/2=pass header.d=example.org"}).pass);  // unknown method version
  EXPECT_TRUE(verdict({"mx.example.com; dkim/1=pass header.d=example.org"}).pass);
}

TEST(AuthVerdict, SpfMustBeAligned) {
  EXPECT_TRUE(verdict({"mx.example.com; spf=pass smtp.mailfrom=bounce@example.org"}).pass);
  EXPECT_TRUE(verdict({"mx.example.com; spf=pass smtp.mailfrom=example.org"}).pass);  // a bare domain
  EXPECT_TRUE(verdict({"mx.example.com; spf=pass smtp.mailfrom=b@bounces.example.org"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; spf=pass smtp.mailfrom=b@esp.example.net"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; spf=pass smtp.helo=example.org"}).pass);  // HELO is not MAIL FROM
}

TEST(AuthVerdict, FieldVersionMustBeOne) {
  EXPECT_TRUE(verdict({"mx.example.com 1; dmarc=pass"}).pass);
  EXPECT_FALSE(verdict({"mx.example.com 2; dmarc=pass"}).pass);
}

TEST(AuthVerdict, ForgedBelowTheRealOne) {
  const Fields fields = {
      {"Authentication-Results",
       "mx.example.com; dkim=none; spf=fail smtp.mailfrom=evil.example; dmarc=fail"},
      {"Received", "from evil.example by mx.example.com"},
      {"Authentication-Results", "mx.example.com; dmarc=pass header.from=example.org"},
  };
  const std::vector<std::string> from = {"alice@example.org"};
  const AuthVerdict v = authenticate(fields, from, "mx.example.com");
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.sentence.find("dmarc=fail"), std::string::npos) << v.sentence;
}

TEST(AuthVerdict, NothingFromOurServer) {
  AuthVerdict v = verdict({});
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(
      v.sentence,
      "The message carries no Authentication-Results header from mx.example.com, so its sender's domain "
      "example.org is not proven.");
  v = verdict({"mx.evil.example; dmarc=pass"});
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.sentence.find("only from other servers (mx.evil.example)"), std::string::npos) << v.sentence;
  v = verdict({"mx.example.com; none"});
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.sentence.find("found: none"), std::string::npos) << v.sentence;
}

TEST(AuthVerdict, EveryFromDomainMustPass) {
  EXPECT_TRUE(verdict({"mx.example.com; dkim=pass header.d=example.org; dkim=pass header.d=example.net"},
                      {"alice@example.org", "bob@example.net"})
                  .pass);
  EXPECT_FALSE(
      verdict({"mx.example.com; dkim=pass header.d=example.org"}, {"alice@example.org", "bob@example.net"})
          .pass);
  EXPECT_FALSE(verdict({"mx.example.com; dmarc=pass"}, {}).pass);
  EXPECT_FALSE(verdict({"mx.example.com; dmarc=pass"}, {"alice"}).pass);
}

// ---- on a parsed message ---------------------------------------------------------

message::Request message_with(const std::string& headers) {
  return message::parse_message("From: Alice <alice@example.org>\r\nTo: raven@example.com\r\n" + headers +
                                "Subject: hi\r\n\r\nHello\r\n");
}

TEST(AuthRequest, TopmostFieldOfOursCounts) {
  const Authentication config{true, "mx.example.com"};
  EXPECT_TRUE(authenticate(message_with("Authentication-Results: mx.example.com;\r\n dkim=pass (ok)\r\n"
                                        "  header.d=example.org\r\n"),
                           config)
                  .pass);
  // Below a Received line, a field with our id was added before our server
  // saw the message: anyone could have written it.
  EXPECT_FALSE(authenticate(message_with("Authentication-Results: mx.example.com; dmarc=fail\r\n"
                                         "Received: from evil.example by mx.example.com\r\n"
                                         "Authentication-Results: mx.example.com; dmarc=pass\r\n"),
                            config)
                   .pass);
  // Two adjacent fields of ours (one per milter) form one trusted block.
  EXPECT_TRUE(authenticate(message_with("Authentication-Results: mx.example.com; spf=fail\r\n"
                                        "Authentication-Results: mx.example.com; dmarc=pass\r\n"),
                           config)
                  .pass);
  // Another server's field above ours is passed over.
  EXPECT_TRUE(authenticate(message_with("Authentication-Results: imap.example.com; x-spam=pass\r\n"
                                        "Authentication-Results: mx.example.com; dmarc=pass\r\n"),
                           config)
                  .pass);
}

TEST(AuthConfig, Validate) {
  EXPECT_TRUE((Authentication{}).validate().empty());
  EXPECT_TRUE((Authentication{true, "mx.example.com"}).validate().empty());
  const Problems p = (Authentication{true, ""}).validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "authserv_id");
  EXPECT_EQ((Authentication{false, "mx example"}).validate().size(), 1u);
  EXPECT_EQ((Authentication{false, "mx;x"}).validate().size(), 1u);
  EXPECT_EQ((Authentication{false, "\"mx\""}).validate().size(), 1u);
}

}  // namespace
}  // namespace raven::policy
