// One test per rule of policy::decide(), each with the near miss that must
// still be answered.
#include "policy/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "message/parse.hpp"

namespace raven::policy {
namespace {

constexpr const char* kOurs = "raven@example.com";

message::Request parse(const std::string& extra_headers,
                       const std::string& from = "Alice <alice@example.org>",
                       const std::string& to = "Raven <raven@example.com>",
                       const std::string& content_type = "text/plain; charset=utf-8") {
  std::string m = "From: " + from + "\r\n";
  if (!to.empty()) m += "To: " + to + "\r\n";
  m += "Subject: question\r\nMessage-ID: <q1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: " +
       content_type + "\r\n" + extra_headers + "\r\nHello, what is the weather?\r\n";
  return message::parse_message(m);
}

Config config() {
  Config c;
  c.addresses = {kOurs, "bot@example.com"};
  EXPECT_TRUE(c.validate().empty());
  return c;
}

filter::Filter anyone() {
  return filter::Filter(filter::Config{});
}

Decision run(const message::Request& r, std::optional<std::string> envelope = "alice@example.org",
             const Config& c = config(), const filter::Filter& f = anyone()) {
  return decide(r, envelope, c, f);
}

std::string code_of(const std::string& headers, std::optional<std::string> envelope = "alice@example.org") {
  return run(parse(headers), std::move(envelope)).code;
}

TEST(Policy, PlainMessageIsAnswered) {
  const Decision d = run(parse(""));
  EXPECT_TRUE(d.answered());
  EXPECT_EQ(d.code, "answer");
  EXPECT_EQ(to_string(d.verdict), "answer");
  EXPECT_FALSE(d.sentence.empty());
  ASSERT_FALSE(d.evidence.empty());
  EXPECT_EQ(d.evidence.front(), "envelope sender: <alice@example.org> (given)");
}

TEST(Policy, EmptyEnvelopeSender) {
  EXPECT_EQ(code_of("", ""), code::empty_envelope_sender);
  EXPECT_EQ(code_of("", "<>"), code::empty_envelope_sender);
  // From Return-Path when no envelope is given.
  EXPECT_EQ(code_of("Return-Path: <>\r\n", std::nullopt), code::empty_envelope_sender);
  EXPECT_EQ(code_of("Return-Path: <alice@example.org>\r\n", std::nullopt), code::answer);
  EXPECT_EQ(code_of("", std::nullopt), code::answer);  // unknown is not empty
  // A given envelope wins over Return-Path.
  EXPECT_EQ(code_of("Return-Path: <>\r\n", "alice@example.org"), code::answer);
}

TEST(Policy, OwnAddress) {
  EXPECT_EQ(run(parse("", "Raven <RAVEN@example.com>")).code, code::own_address);
  EXPECT_EQ(code_of("", "bot@example.com"), code::own_address);
  EXPECT_EQ(code_of("Reply-To: raven@example.com\r\n"), code::own_address);
  // Our name in the display name only is not our address.
  EXPECT_EQ(run(parse("", "\"raven@example.com\" <alice@example.org>")).code, code::answer);
}

TEST(Policy, MailingListFields) {
  for (const char* field : {"List-Id", "List-Post", "List-Unsubscribe", "List-Help", "List-Owner",
                            "List-Subscribe", "List-Archive", "list-id"}) {
    SCOPED_TRACE(field);
    const Decision d = run(parse(std::string(field) + ": <x.lists.example.org>\r\n"));
    EXPECT_EQ(d.code, code::mailing_list);
    EXPECT_EQ(d.evidence.back().substr(0, 9), "matched: ");
  }
  // "List-" in the subject, or a similar field name, is not a list.
  EXPECT_EQ(code_of("X-List-Idea: yes\r\n"), code::answer);
  EXPECT_EQ(run(parse("", "alice@example.org", kOurs)).code, code::answer);
}

TEST(Policy, AutoSubmitted) {
  EXPECT_EQ(code_of("Auto-Submitted: no\r\n"), code::answer);
  EXPECT_EQ(code_of("Auto-Submitted: No (manual)\r\n"), code::answer);
  EXPECT_EQ(code_of("Auto-Submitted: (sent by a person) NO\r\n"), code::answer);
  EXPECT_EQ(code_of("Auto-Submitted: auto-replied\r\n"), code::auto_submitted);
  EXPECT_EQ(code_of("Auto-Submitted: auto-generated\r\n"), code::auto_submitted);
  EXPECT_EQ(code_of("Auto-Submitted: auto-notified; owner-email=\"a@b\"\r\n"), code::auto_submitted);
  EXPECT_EQ(code_of("Auto-Submitted: no-thanks\r\n"), code::auto_submitted);
  EXPECT_EQ(code_of("Auto-Submitted: (no)\r\n"), code::auto_submitted);
  // Any field that is not "no" counts, not only the first.
  EXPECT_EQ(code_of("Auto-Submitted: no\r\nAuto-Submitted: auto-replied\r\n"), code::auto_submitted);
}

TEST(Policy, Precedence) {
  EXPECT_EQ(code_of("Precedence: bulk\r\n"), code::precedence_bulk);
  EXPECT_EQ(code_of("Precedence: LIST\r\n"), code::precedence_bulk);
  EXPECT_EQ(code_of("Precedence: junk (spam)\r\n"), code::precedence_bulk);
  EXPECT_EQ(code_of("Precedence: first-class\r\n"), code::answer);
  EXPECT_EQ(code_of("Precedence: bulky\r\n"), code::answer);
}

TEST(Policy, AutoResponseSuppress) {
  EXPECT_EQ(code_of("X-Auto-Response-Suppress: All\r\n"), code::auto_response_suppress);
  EXPECT_EQ(code_of("X-Auto-Response-Suppress: DR, oof\r\n"), code::auto_response_suppress);
  EXPECT_EQ(code_of("X-Auto-Response-Suppress: RN,AUTOREPLY\r\n"), code::auto_response_suppress);
  EXPECT_EQ(code_of("X-Auto-Response-Suppress: DR, RN, NRN\r\n"), code::answer);
  EXPECT_EQ(code_of("X-Auto-Response-Suppress: AllOfThem\r\n"), code::answer);
}

TEST(Policy, SystemSenders) {
  for (const char* from :
       {"MAILER-DAEMON@mx.example.org", "listserv@example.org", "Majordomo@example.org",
        "owner-foo@x.example", "foo-request@x.example", "postmaster@example.org", "noreply@example.org",
        "no-reply@example.org", "No_Reply@example.org", "donotreply@example.org", "do-not-reply@example.org",
        "bounce@example.org", "bounces+abc=example.org@lists.example", "foo-bounces+x@lists.example",
        "noreply-alerts@example.org", "shop.noreply@example.org"}) {
    SCOPED_TRACE(from);
    EXPECT_EQ(run(parse("", from)).code, code::system_sender);
  }
  for (const char* from : {"ownership@x.example", "requester@x.example", "owner@x.example",
                           "bouncer@x.example", "nora.reply@x.example", "\"No Reply\" <alice@example.org>"}) {
    SCOPED_TRACE(from);
    EXPECT_EQ(run(parse("", from), std::nullopt).code, code::answer);
  }
  // The envelope sender counts too, with or without a domain.
  EXPECT_EQ(code_of("", "MAILER-DAEMON"), code::system_sender);
  EXPECT_EQ(code_of("Return-Path: <list-bounces@lists.example>\r\n", std::nullopt), code::system_sender);
}

TEST(Policy, DeliveryReport) {
  const auto report =
      parse("", "alice@example.org", kOurs, "multipart/report; report-type=delivery-status; boundary=b");
  EXPECT_EQ(run(report).code, code::delivery_report);
  const auto mixed = parse("", "alice@example.org", kOurs, "multipart/mixed; boundary=b");
  EXPECT_EQ(run(mixed).code, code::answer);
}

TEST(Policy, XAutoreply) {
  EXPECT_EQ(code_of("X-Autoreply: yes\r\n"), code::x_autoreply);
  EXPECT_EQ(code_of("X-Autorespond: Vacation\r\n"), code::x_autoreply);
  EXPECT_EQ(code_of("X-Autoreply-Ignored: nothing\r\n"), code::answer);
}

TEST(Policy, XLoop) {
  EXPECT_EQ(code_of("X-Loop: raven@example.com\r\n"), code::x_loop);
  EXPECT_EQ(code_of("X-Loop: Raven <RAVEN@example.com>\r\n"), code::x_loop);
  EXPECT_EQ(code_of("X-Loop: other@x.example\r\nX-Loop: raven@example.com (us)\r\n"), code::x_loop);
  EXPECT_EQ(code_of("X-Loop: other@x.example\r\n"), code::answer);
  EXPECT_EQ(code_of("X-Loop: raven@example.com.evil\r\n"), code::answer);
}

TEST(Policy, NotAddressed) {
  EXPECT_EQ(run(parse("", "alice@example.org", "carol@example.org")).code, code::not_addressed);
  EXPECT_EQ(run(parse("", "alice@example.org", "")).code, code::not_addressed);
  // Our address as a display name only does not count.
  EXPECT_EQ(run(parse("", "alice@example.org", "\"raven@example.com\" <carol@example.org>")).code,
            code::not_addressed);
  // Every recipient field counts, with names, quotes, comments and groups.
  EXPECT_EQ(run(parse("Cc: \"Doe, J\" <j@example.org>, (bot) raven@example.com\r\n", "alice@example.org",
                      "carol@example.org"))
                .code,
            code::answer);
  EXPECT_EQ(run(parse("Bcc: Raven <raven@example.com>\r\n", "alice@example.org", "carol@example.org")).code,
            code::answer);
  EXPECT_EQ(run(parse("Resent-To: team: x@example.org, bot@example.com;\r\n", "alice@example.org",
                      "carol@example.org"))
                .code,
            code::answer);
  EXPECT_EQ(run(parse("Resent-Cc: raven@example.com\r\n", "alice@example.org", "carol@example.org")).code,
            code::answer);
  // Switched off.
  Config c = config();
  c.require_addressed = false;
  EXPECT_EQ(run(parse("", "alice@example.org", "carol@example.org"), "alice@example.org", c).code,
            code::answer);
}

TEST(Policy, SenderAllowList) {
  const filter::Filter allow(filter::Config{{"alice@example.org", "@trusted.example"}, ""});
  EXPECT_EQ(run(parse(""), "alice@example.org", config(), allow).code, code::answer);
  EXPECT_EQ(run(parse("", "bob@trusted.example"), "x@y.example", config(), allow).code, code::answer);
  const Decision d = run(parse("", "malice@example.org"), "malice@example.org", config(), allow);
  EXPECT_EQ(d.code, code::sender_not_allowed);
  EXPECT_EQ(d.evidence.back(), "not allowed: From <malice@example.org>");
  // A second From mailbox must be allowed too.
  EXPECT_EQ(
      run(parse("", "alice@example.org, mallory@evil.example"), "alice@example.org", config(), allow).code,
      code::sender_not_allowed);
  // No From at all.
  std::string m = "To: raven@example.com\r\nSubject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(run(message::parse_message(m), "alice@example.org", config(), allow).code, code::no_sender);
}

TEST(Policy, ReplyToAllowList) {
  const filter::Filter allow(filter::Config{{"alice@example.org", "@trusted.example"}, ""});
  EXPECT_EQ(run(parse("Reply-To: stranger@evil.example\r\n"), "alice@example.org", config(), allow).code,
            code::reply_to_not_allowed);
  EXPECT_EQ(
      run(parse("Reply-To: alice@example.org, x@evil.example\r\n"), "alice@example.org", config(), allow)
          .code,
      code::reply_to_not_allowed);
  EXPECT_EQ(
      run(parse("Reply-To: Team <team@trusted.example>\r\n"), "alice@example.org", config(), allow).code,
      code::answer);
  // An empty allow-list allows anyone, Reply-To included.
  EXPECT_EQ(code_of("Reply-To: stranger@evil.example\r\n"), code::answer);
}

TEST(Policy, FirstMatchingRuleWins) {
  // Null sender beats list fields beats Auto-Submitted beats not-addressed.
  const auto r = parse("List-Id: <l.example>\r\nAuto-Submitted: auto-generated\r\n", "noreply@example.org",
                       "carol@example.org", "multipart/report; boundary=b");
  EXPECT_EQ(run(r, "").code, code::empty_envelope_sender);
  EXPECT_EQ(run(r).code, code::mailing_list);
  EXPECT_EQ(code_of("Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\n"), code::auto_submitted);
  EXPECT_EQ(run(parse("Precedence: bulk\r\n", "noreply@example.org")).code, code::precedence_bulk);
}

TEST(Policy, Authenticity) {
  Config c = config();
  c.authentication = {true, "mx.example.com"};
  const filter::Filter allow(filter::Config{{"alice@example.org"}, ""});
  const std::string pass = "Authentication-Results: mx.example.com; dkim=pass header.d=example.org\r\n";
  const std::string unaligned = "Authentication-Results: mx.example.com; dkim=pass header.d=esp.example\r\n";

  Decision d = run(parse(pass), "alice@example.org", c, allow);
  EXPECT_EQ(d.code, code::answer);
  EXPECT_EQ(d.evidence.back(), "authentication: pass (example.org by dkim=pass header.d=example.org)");

  d = run(parse(unaligned), "alice@example.org", c, allow);
  EXPECT_EQ(d.code, code::not_authenticated);
  EXPECT_NE(d.sentence.find("header.d=esp.example"), std::string::npos) << d.sentence;
  EXPECT_EQ(d.evidence.back(), "authentication: fail (nothing passes for example.org)");
  EXPECT_EQ(run(parse(""), "alice@example.org", c, allow).code, code::not_authenticated);

  // After who-may-ask: a stranger is not allowed, authenticated or not.
  EXPECT_EQ(run(parse(unaligned, "mallory@evil.example"), "mallory@evil.example", c, allow).code,
            code::sender_not_allowed);
  // After the loop rules: a list message is a list message.
  EXPECT_EQ(run(parse("List-Id: <l.example>\r\n"), "alice@example.org", c, allow).code, code::mailing_list);
  // Not required: not evaluated, and no evidence about it.
  d = run(parse(unaligned), "alice@example.org", config(), allow);
  EXPECT_EQ(d.code, code::answer);
  for (const std::string& line : d.evidence) EXPECT_FALSE(line.starts_with("authentication:")) << line;
}

// Rule 1's fast reply: the journal's answer comes in as History.
History ours(std::int64_t age_ms, std::string id = "raven-1@example.com") {
  return History{.looked_up = true, .our_reply = std::move(id), .our_reply_age_ms = age_ms};
}

TEST(Policy, AnsweredIds) {
  EXPECT_TRUE(answered_ids(parse("")).empty());
  EXPECT_EQ(answered_ids(parse("In-Reply-To: <b@x>\r\nReferences: <a@x> <b@x>\r\n")),
            (std::vector<std::string>{"b@x", "a@x"}));
}

TEST(Policy, FastReplyToOurOwnReply) {
  const auto r = parse("In-Reply-To: <raven-1@example.com>\r\n");
  const auto decide_with = [&](const History& h) {
    return decide(r, "alice@example.org", config(), anyone(), h);
  };
  Decision d = decide_with(ours(12'000));
  EXPECT_EQ(d.code, code::fast_reply);
  EXPECT_NE(d.sentence.find("less than a minute"), std::string::npos) << d.sentence;
  EXPECT_EQ(d.evidence.back(), "matched: answers our reply <raven-1@example.com>, sent 12 s ago");
  EXPECT_EQ(rule_of(d.code), "loops (RFC 3834)");
  // The edge: 59.999 s is fast, a minute is not.
  EXPECT_EQ(decide_with(ours(kFastReplyMs - 1)).code, code::fast_reply);
  d = decide_with(ours(kFastReplyMs));
  EXPECT_EQ(d.code, code::answer);
  EXPECT_TRUE(std::find(d.evidence.begin(), d.evidence.end(),
                        "answers our reply <raven-1@example.com>, sent 1 min 0 s ago") != d.evidence.end());
  // A negative age (the clock went back) counts as fast.
  EXPECT_EQ(decide_with(ours(-5'000)).code, code::fast_reply);
  // Looked up, none of ours: nothing to say.
  d = decide_with(History{.looked_up = true});
  EXPECT_EQ(d.code, code::answer);
  for (const std::string& line : d.evidence) EXPECT_FALSE(line.starts_with("fast reply")) << line;
  // Not looked up (raven check): answered, and the evidence says it was not checked.
  d = decide_with(History{});
  EXPECT_EQ(d.code, code::answer);
  EXPECT_TRUE(std::find(d.evidence.begin(), d.evidence.end(),
                        "fast reply: not checked (it depends on the journal)") != d.evidence.end());
  // A message that answers nothing has nothing to check.
  d = run(parse(""));
  for (const std::string& line : d.evidence) EXPECT_FALSE(line.starts_with("fast reply")) << line;
}

TEST(Policy, FastReplyComesAfterXLoopAndBeforeTheRecipientRule) {
  const auto looped = parse("X-Loop: raven@example.com\r\n");
  EXPECT_EQ(decide(looped, "alice@example.org", config(), anyone(), ours(1'000)).code, code::x_loop);
  const auto elsewhere = parse("", "Alice <alice@example.org>", "carol@example.org");
  EXPECT_EQ(decide(elsewhere, "alice@example.org", config(), anyone(), ours(1'000)).code, code::fast_reply);
}

TEST(Policy, RuleOfEveryCode) {
  EXPECT_EQ(rule_of(code::answer), "none");
  EXPECT_EQ(rule_of(code::x_loop), "loops (RFC 3834)");
  EXPECT_EQ(rule_of(code::fast_reply), "loops (RFC 3834)");
  for (std::string_view c : {code::over_budget_sender, code::over_budget_thread, code::over_budget_day,
                             code::over_budget_tokens}) {
    EXPECT_EQ(rule_of(c), "budgets (policy.limits)") << c;
  }
  EXPECT_EQ(rule_of(code::not_addressed), "loops (RFC 3834)");
  EXPECT_EQ(rule_of(code::reply_to_not_allowed), "who may ask (filter.senders)");
  EXPECT_EQ(rule_of(code::not_authenticated), "authenticity (policy.authentication)");
  EXPECT_EQ(rule_of("made-up"), "unknown");
}

TEST(Policy, EvidenceValuesAreBounded) {
  const Decision d = run(parse("List-Id: " + std::string(5000, 'x') + "\r\n"));
  EXPECT_EQ(d.code, code::mailing_list);
  for (const std::string& line : d.evidence) EXPECT_LT(line.size(), 300u);
}

TEST(PolicyConfig, Validate) {
  EXPECT_TRUE(config().validate().empty());
  Config c;
  ASSERT_EQ(c.validate().size(), 1u);
  EXPECT_EQ(c.validate()[0].field, "addresses");
  c.require_addressed = false;
  EXPECT_TRUE(c.validate().empty());
  c.addresses = {"raven@example.com", "Raven <raven@example.com>", "nope", "a@b\r\nX: y"};
  const Problems p = c.validate();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].field, "addresses[1]");
  EXPECT_EQ(p[2].field, "addresses[3]");
}

TEST(PolicyConfig, ValidateAuthenticationAndLimits) {
  Config c = config();
  c.authentication.require = true;
  Problems p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "authentication.authserv_id");
  c.authentication.authserv_id = "mx.example.com";
  EXPECT_TRUE(c.validate().empty());

  EXPECT_FALSE(c.limits.limited());
  c.limits.replies_per_thread = 3;
  EXPECT_TRUE(c.limits.limited());
  c.limits.notice = std::string(kMaxNoticeBytes, 'x');
  EXPECT_TRUE(c.validate().empty());
  c.limits.notice += "x";
  p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "limits.notice");
  c.limits.notice = std::string("a\0b", 3);
  p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].message, "must not contain NUL");
}

}  // namespace
}  // namespace raven::policy
