#include "message/compose.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/error.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"
#include "message/test_support.hpp"

namespace raven::message {
namespace {

using test::gmime_parse;

// 2024-01-01T10:00:00Z
const std::chrono::system_clock::time_point kDate{std::chrono::seconds(1704103200)};

Request original() {
  Request r;
  r.from = {"Alice Example", "alice@example.com"};
  r.from_all = {r.from};
  r.to = {{"Help", "help@example.org"}};
  r.subject = "Printer broken";
  r.message_id = "m2@example.com";
  r.in_reply_to = "m1@example.com";
  r.references = {"m0@example.com", "m1@example.com"};
  r.date_raw = "Mon, 1 Jan 2024 09:00:00 +0000";
  r.text = "My printer is broken.\nPlease help.";
  return r;
}

ReplyOptions options() {
  ReplyOptions o;
  o.from = "Raven <raven@example.org>";
  o.date = kDate;
  o.message_id = "fixed-1@example.org";
  return o;
}

std::string header(GMimeMessage* m, const char* name) {
  return detail::copy_string(g_mime_object_get_header(detail::as_object(m), name));
}

std::string part_text(GMimeObject* part) {
  return detail::take_string(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
}

// The header block of serialised bytes.
std::string header_block(const std::string& data) {
  return data.substr(0, data.find("\r\n\r\n") + 2);
}

struct Parsed {
  detail::GObjectPtr<GMimeMessage> message;
  GMimeObject* plain = nullptr;
  GMimeObject* html = nullptr;
};

Parsed parse_back(const Reply& reply) {
  Parsed p;
  p.message = gmime_parse(reply.data);
  if (!p.message) return p;
  GMimeObject* body = g_mime_message_get_mime_part(p.message.get());
  if (detail::is_multipart(body) && g_mime_multipart_get_count(detail::as_multipart(body)) == 2) {
    p.plain = g_mime_multipart_get_part(detail::as_multipart(body), 0);
    p.html = g_mime_multipart_get_part(detail::as_multipart(body), 1);
  }
  return p;
}

TEST(Compose, HeadersAreExact) {
  const Reply reply = compose_reply(original(), options(), "It is **fixed**.");
  EXPECT_EQ(reply.recipients, (std::vector<std::string>{"alice@example.com"}));
  EXPECT_EQ(reply.message_id, "fixed-1@example.org");
  EXPECT_EQ(reply.subject, "Re: Printer broken");
  EXPECT_EQ(reply.in_reply_to, "m2@example.com");
  EXPECT_EQ(reply.references,
            (std::vector<std::string>{"m0@example.com", "m1@example.com", "m2@example.com"}));

  const Parsed p = parse_back(reply);
  ASSERT_TRUE(p.message);
  EXPECT_EQ(header(p.message.get(), "From"), "Raven <raven@example.org>");
  EXPECT_EQ(header(p.message.get(), "To"), "Alice Example <alice@example.com>");
  EXPECT_EQ(detail::copy_string(g_mime_message_get_subject(p.message.get())), "Re: Printer broken");
  EXPECT_EQ(detail::copy_string(g_mime_message_get_message_id(p.message.get())), "fixed-1@example.org");
  EXPECT_EQ(header(p.message.get(), "In-Reply-To"), "<m2@example.com>");
  EXPECT_EQ(header(p.message.get(), "References"), "<m0@example.com> <m1@example.com> <m2@example.com>");
  EXPECT_EQ(header(p.message.get(), "Auto-Submitted"), "auto-replied");
  EXPECT_EQ(header(p.message.get(), "X-Auto-Response-Suppress"), "All");
  EXPECT_EQ(header(p.message.get(), "MIME-Version"), "1.0");
  EXPECT_EQ(header(p.message.get(), "Date"), "Mon, 01 Jan 2024 10:00:00 +0000");
  EXPECT_EQ(header(p.message.get(), "Cc"), "");
  EXPECT_EQ(header(p.message.get(), "Bcc"), "");

  GMimeObject* body = g_mime_message_get_mime_part(p.message.get());
  ASSERT_TRUE(detail::is_multipart(body));
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart", "alternative"));
  ASSERT_NE(p.plain, nullptr);
  ASSERT_NE(p.html, nullptr);
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(p.plain), "text", "plain"));
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(p.html), "text", "html"));
  EXPECT_EQ(detail::copy_string(g_mime_object_get_content_type_parameter(p.plain, "charset")), "utf-8");
  EXPECT_EQ(detail::copy_string(g_mime_object_get_content_type_parameter(p.html, "charset")), "utf-8");
}

TEST(Compose, BodiesCarryTheAnswerAndTheQuotedOriginal) {
  const Reply reply = compose_reply(original(), options(), "It is **fixed**.\n\n- step one\n- step two");
  const Parsed p = parse_back(reply);
  ASSERT_NE(p.plain, nullptr);
  const std::string plain = part_text(p.plain);
  EXPECT_EQ(plain,
            "It is **fixed**.\r\n\r\n- step one\r\n- step two\r\n\r\n"
            "On Mon, 1 Jan 2024 09:00:00 +0000, Alice Example wrote:\r\n"
            "> My printer is broken.\r\n> Please help.\r\n");
  const std::string html = part_text(p.html);
  EXPECT_NE(html.find("<p>It is <strong>fixed</strong>.</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("<li>step one</li>"), std::string::npos) << html;
  EXPECT_NE(html.find("<blockquote type=\"cite\">"), std::string::npos) << html;
  EXPECT_NE(html.find("My printer is broken.<br>"), std::string::npos) << html;
}

TEST(Compose, CrlfLineEndsEverywhere) {
  Request r = original();
  r.text = "line one\nline two\rline three\r\n" + std::string(2000, 'x');  // a long line too
  const Reply reply = compose_reply(r, options(), "a\nb\r\nc\rd " + std::string(3000, 'y'));
  ASSERT_FALSE(reply.data.empty());
  for (std::size_t i = 0; i < reply.data.size(); ++i) {
    if (reply.data[i] == '\n') {
      ASSERT_TRUE(i > 0 && reply.data[i - 1] == '\r') << "bare LF at " << i;
    }
    if (reply.data[i] == '\r') {
      ASSERT_TRUE(i + 1 < reply.data.size() && reply.data[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  // RFC 5322 §2.1.1: no line over 998 characters.
  std::size_t start = 0;
  while (start < reply.data.size()) {
    std::size_t end = reply.data.find("\r\n", start);
    if (end == std::string::npos) end = reply.data.size();
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }
}

// Our boundary, fresh each time (128 random bits), delimiting both parts.
TEST(Compose, TheBoundaryIsOursAndUnguessable) {
  const std::regex kBoundary(R"re(boundary="?(=_raven_[0-9a-f]{32})"?)re");
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    const Reply reply = compose_reply(original(), options(), "Hello.");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(reply.data, m, kBoundary)) << reply.data;
    const std::string boundary = m[1].str();
    EXPECT_NE(reply.data.find("\r\n--" + boundary + "\r\nContent-Type: text/plain"), std::string::npos) << reply.data;
    EXPECT_NE(reply.data.find("\r\n--" + boundary + "\r\nContent-Type: text/html"), std::string::npos) << reply.data;
    EXPECT_NE(reply.data.find("\r\n--" + boundary + "--"), std::string::npos) << reply.data;
    seen.insert(boundary);
  }
  EXPECT_EQ(seen.size(), 3u);
  const Request parsed = parse_message(compose_reply(original(), options(), "Hello there.").data);
  EXPECT_EQ(parsed.text, "Hello there.") << "read back through the boundary";
}

TEST(Compose, NoReStacking) {
  Request r = original();
  r.subject = "RE: Re: AW: Printer broken";
  EXPECT_EQ(compose_reply(r, options(), "ok").subject, "Re: Printer broken");
}

TEST(Compose, ReplyToIsHonoured) {
  Request r = original();
  r.reply_to = {{"Help Desk", "desk@example.com"}, {"", "also@example.com"}};
  const Reply reply = compose_reply(r, options(), "ok");
  EXPECT_EQ(reply.recipients, (std::vector<std::string>{"desk@example.com", "also@example.com"}));
  const Parsed p = parse_back(reply);
  EXPECT_EQ(header(p.message.get(), "To"), "Help Desk <desk@example.com>, also@example.com");
}

TEST(Compose, OnlyTheFirstFromMailboxIsAnswered) {
  Request r = original();
  r.from_all.push_back({"", "second@example.net"});
  EXPECT_EQ(compose_reply(r, options(), "ok").recipients, (std::vector<std::string>{"alice@example.com"}));
}

TEST(Compose, EncodedLineBreaksInTheSubjectCannotAddAHeader) {
  const Request r = parse_message(
      "From: Eve <eve@example.com>\r\n"
      "Subject: =?utf-8?q?a=0D=0ABcc:_x@evil.example?=\r\n"
      "Message-ID: <e1@example.com>\r\n\r\nhello\r\n");
  const Reply reply = compose_reply(r, options(), "ok");
  const std::string head = header_block(reply.data);
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_EQ(head.find("\nbcc:"), std::string::npos) << head;
  const Parsed p = parse_back(reply);
  EXPECT_EQ(detail::copy_string(g_mime_message_get_subject(p.message.get())), "Re: a Bcc: x@evil.example");
  EXPECT_EQ(header(p.message.get(), "Bcc"), "");
  EXPECT_EQ(reply.recipients, (std::vector<std::string>{"eve@example.com"}));
}

TEST(Compose, LineBreaksPlantedInTheRequestAreRemoved) {
  Request r = original();
  r.subject = "a\r\nBcc: x@evil.example";
  r.from.name = "Eve\r\nBcc: y@evil.example";
  r.message_id = "id@x>\r\nBcc: z@evil.example";
  r.references = {"ok@x", "r@x>\r\nBcc: w@evil.example"};
  ReplyOptions o = options();
  const Reply reply = compose_reply(r, o, "ok");
  const std::string head = header_block(reply.data);
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_TRUE(reply.in_reply_to.empty());  // the implausible id is dropped, not repaired
  EXPECT_EQ(reply.references, (std::vector<std::string>{"ok@x"}));
  o.message_id = "a@b\r\nBcc: q@evil.example";
  try {
    (void)compose_reply(r, o, "ok");
    ADD_FAILURE() << "an invalid fixed Message-ID was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
  }
}

TEST(Compose, Utf8DisplayNamesAreEncodedAsUtf8) {
  Request r = original();
  r.from.name = "Jürgen Müller";
  ReplyOptions o = options();
  o.from = "Rävén Assistant <raven@example.org>";
  const Reply reply = compose_reply(r, o, "ok");
  const std::string head = header_block(reply.data);
  // 8-bit bytes never appear in the header; the words are UTF-8, not latin1.
  for (char c : head) ASSERT_LT(static_cast<unsigned char>(c), 0x80u) << head;
  EXPECT_NE(head.find("From: =?UTF-8?"), std::string::npos) << head;
  EXPECT_NE(head.find("To: =?UTF-8?"), std::string::npos) << head;
  EXPECT_EQ(head.find("iso-8859-1"), std::string::npos) << head;
  const Parsed p = parse_back(reply);
  InternetAddressList* from = g_mime_message_get_from(p.message.get());
  ASSERT_EQ(internet_address_list_length(from), 1);
  EXPECT_EQ(detail::copy_string(internet_address_get_name(internet_address_list_get_address(from, 0))),
            "Rävén Assistant");
  InternetAddressList* to = g_mime_message_get_to(p.message.get());
  EXPECT_EQ(detail::copy_string(internet_address_get_name(internet_address_list_get_address(to, 0))),
            "Jürgen Müller");
}

TEST(Compose, NonAsciiSubjectIsEncoded) {
  Request r = original();
  r.subject = "Družba – 📧";
  const Reply reply = compose_reply(r, options(), "ok");
  const Parsed p = parse_back(reply);
  EXPECT_EQ(detail::copy_string(g_mime_message_get_subject(p.message.get())), "Re: Družba – 📧");
}

TEST(Compose, RawHtmlInTheAnswerIsEscaped) {
  const Reply reply = compose_reply(
      original(), options(), "Hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n<iframe src=x>");
  const Parsed p = parse_back(reply);
  const std::string html = part_text(p.html);
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<iframe"), std::string::npos) << html;
  // The plain part shows what the model wrote.
  EXPECT_NE(part_text(p.plain).find("Hi <script>alert(1)</script>"), std::string::npos);
}

TEST(Compose, TheQuotedOriginalIsEscapedAndCapped) {
  Request r = original();
  r.text.clear();
  for (int i = 0; i < 1000; ++i) r.text += "line <b>" + std::to_string(i) + "</b>\n";
  ReplyOptions o = options();
  o.max_quote_lines = 200;
  const Reply reply = compose_reply(r, o, "ok");
  const Parsed p = parse_back(reply);
  const std::string plain = part_text(p.plain);
  EXPECT_NE(plain.find("> line <b>199</b>\r\n"), std::string::npos);
  EXPECT_EQ(plain.find("> line <b>200</b>"), std::string::npos);
  EXPECT_NE(plain.find("> […]\r\n"), std::string::npos);
  const std::string html = part_text(p.html);
  EXPECT_NE(html.find("line &lt;b&gt;0&lt;/b&gt;<br>"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);

  o.max_quote_bytes = 100;
  const std::string small = part_text(parse_back(compose_reply(r, o, "ok")).plain);
  EXPECT_LT(small.size(), 300u);
}

TEST(Compose, QuotingCanBeTurnedOff) {
  ReplyOptions o = options();
  o.quote_original = false;
  const Parsed p = parse_back(compose_reply(original(), o, "ok"));
  EXPECT_EQ(part_text(p.plain), "ok\r\n");
}

TEST(Compose, FreshAndDerivedMessageIds) {
  ReplyOptions o = options();
  o.message_id.clear();
  const Reply fresh = compose_reply(original(), o, "ok");
  EXPECT_NE(fresh.message_id.find("@example.org"), std::string::npos);
  EXPECT_NE(fresh.message_id, compose_reply(original(), o, "ok").message_id);

  o.message_id = derive_reply_message_id(original().message_id, "example.org");
  const Reply derived = compose_reply(original(), o, "ok");
  EXPECT_EQ(derived.message_id, compose_reply(original(), o, "ok").message_id);
  EXPECT_EQ(detail::copy_string(g_mime_message_get_message_id(parse_back(derived).message.get())),
            o.message_id);
}

TEST(Compose, FirstMessageOfAThread) {
  Request r = original();
  r.references.clear();
  r.in_reply_to.clear();
  const Reply reply = compose_reply(r, options(), "ok");
  EXPECT_EQ(reply.references, (std::vector<std::string>{"m2@example.com"}));
  r.message_id.clear();
  const Reply no_id = compose_reply(r, options(), "ok");
  EXPECT_TRUE(no_id.in_reply_to.empty());
  EXPECT_TRUE(no_id.references.empty());
  EXPECT_EQ(header(parse_back(no_id).message.get(), "In-Reply-To"), "");
}

TEST(Compose, Errors) {
  ReplyOptions bad = options();
  bad.from = "not an address";
  try {
    (void)compose_reply(original(), bad, "ok");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
  }
  Request nobody = original();
  nobody.from = {};
  nobody.from_all.clear();
  try {
    (void)compose_reply(nobody, options(), "ok");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
  }
}

TEST(Compose, RoundTripThroughParse) {
  const Reply reply = compose_reply(original(), options(), "Answer text.");
  const Request back = parse_message(reply.data);
  EXPECT_EQ(back.from.address, "raven@example.org");
  EXPECT_EQ(back.subject, "Re: Printer broken");
  EXPECT_EQ(back.in_reply_to, "m2@example.com");
  EXPECT_EQ(back.text, "Answer text.");
  EXPECT_EQ(back.quoted.rfind("On Mon, 1 Jan 2024 09:00:00 +0000, Alice Example wrote:\n> My printer", 0),
            0u);
  ASSERT_NE(back.header("Auto-Submitted"), nullptr);
  EXPECT_EQ(*back.header("Auto-Submitted"), "auto-replied");
}

}  // namespace
}  // namespace raven::message
