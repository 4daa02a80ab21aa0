#include "message/text_part.hpp"

#include <gtest/gtest.h>

#include "message/init.hpp"

namespace raven::message {
namespace {

using imap::BodyPart;

BodyPart leaf(std::string section, std::string type, std::string subtype, std::uint32_t size = 100,
              std::string disposition = "", std::string filename = "") {
  BodyPart p;
  p.section = std::move(section);
  p.type = std::move(type);
  p.subtype = std::move(subtype);
  p.size = size;
  p.disposition = std::move(disposition);
  p.filename = std::move(filename);
  p.encoding = "7bit";
  if (p.type == "text") p.params["charset"] = "utf-8";
  return p;
}

BodyPart multi(std::string section, std::string subtype, std::vector<BodyPart> children) {
  BodyPart p;
  p.section = std::move(section);
  p.type = "multipart";
  p.subtype = std::move(subtype);
  p.children = std::move(children);
  return p;
}

// message/rfc822 at `section` whose body is `body` (numbered by the caller).
BodyPart forward(std::string section, BodyPart body) {
  BodyPart p = leaf(std::move(section), "message", "rfc822", 5000);
  p.children.push_back(std::move(body));
  return p;
}

class TextPartTest : public ::testing::Test {
 protected:
  void SetUp() override { init(); }
};

TEST_F(TextPartTest, SinglePartMessageIsSectionOne) {
  BodyPart root = leaf("", "text", "plain", 1234);
  root.encoding = "quoted-printable";
  root.params["charset"] = "iso-8859-1";
  const PartChoice c = choose_text_part(root);
  ASSERT_TRUE(c.text);
  EXPECT_EQ(c.text->section, "1");  // RFC 3501 §6.4.5
  EXPECT_EQ(c.text->subtype, "plain");
  EXPECT_EQ(c.text->charset, "iso-8859-1");
  EXPECT_EQ(c.text->encoding, "quoted-printable");
  EXPECT_EQ(c.text->size, 1234u);
  EXPECT_FALSE(c.text->in_forward);
  EXPECT_TRUE(c.attachments.empty());
}

TEST_F(TextPartTest, AlternativePrefersPlainWhateverItsPosition) {
  EXPECT_EQ(
      choose_text_part(multi("", "alternative", {leaf("1", "text", "plain"), leaf("2", "text", "html")}))
          .text->section,
      "1");
  const PartChoice c =
      choose_text_part(multi("", "alternative", {leaf("1", "text", "html"), leaf("2", "text", "plain")}));
  EXPECT_EQ(c.text->section, "2");
  EXPECT_TRUE(c.attachments.empty());  // the HTML alternative is not an attachment
}

TEST_F(TextPartTest, HtmlWhenThereIsNoPlain) {
  const BodyPart root =
      multi("", "mixed",
            {multi("1", "related", {leaf("1.1", "text", "html"), leaf("1.2", "image", "png", 9000)}),
             leaf("2", "application", "pdf", 70000, "attachment", "report.pdf")});
  const PartChoice c = choose_text_part(root);
  ASSERT_TRUE(c.text);
  EXPECT_EQ(c.text->section, "1.1");
  EXPECT_EQ(c.text->subtype, "html");
  ASSERT_EQ(c.attachments.size(), 2u);
  EXPECT_EQ(c.attachments[0].section, "1.2");
  EXPECT_EQ(c.attachments[0].content_type, "image/png");
  EXPECT_TRUE(c.attachments[0].inline_part);
  EXPECT_EQ(c.attachments[1].filename, "report.pdf");
  EXPECT_EQ(c.attachments[1].size, 70000u);
  EXPECT_FALSE(c.attachments[1].inline_part);
}

TEST_F(TextPartTest, NestedAlternativeInMixed) {
  const BodyPart root =
      multi("", "mixed",
            {multi("1", "alternative", {leaf("1.1", "text", "plain"), leaf("1.2", "text", "html")}),
             leaf("2", "application", "octet-stream", 20 * 1024 * 1024, "attachment", "big.bin")});
  const PartChoice c = choose_text_part(root);
  EXPECT_EQ(c.text->section, "1.1");
  ASSERT_EQ(c.attachments.size(), 1u);
  EXPECT_EQ(c.attachments[0].filename, "big.bin");
}

TEST_F(TextPartTest, AttachedTextFilesAreNotTheBody) {
  const BodyPart root = multi(
      "", "mixed", {leaf("1", "text", "plain", 10, "attachment", "notes.txt"), leaf("2", "text", "html")});
  const PartChoice c = choose_text_part(root);
  EXPECT_EQ(c.text->section, "2");
  ASSERT_EQ(c.attachments.size(), 1u);
  EXPECT_EQ(c.attachments[0].filename, "notes.txt");
}

TEST_F(TextPartTest, ForwardedMessagesOnlyWhenNothingElse) {
  const BodyPart with_cover =
      multi("", "mixed", {leaf("1", "text", "plain"), forward("2", leaf("2.1", "text", "plain"))});
  const PartChoice c = choose_text_part(with_cover);
  EXPECT_EQ(c.text->section, "1");
  ASSERT_EQ(c.attachments.size(), 1u);
  EXPECT_EQ(c.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(c.attachments[0].section, "2");

  const BodyPart bare = multi(
      "", "mixed",
      {leaf("1", "image", "png"),
       forward("2",
               multi("2.TEXT", "alternative", {leaf("2.1", "text", "html"), leaf("2.2", "text", "plain")}))});
  const PartChoice f = choose_text_part(bare);
  ASSERT_TRUE(f.text);
  EXPECT_EQ(f.text->section, "2.2");
  EXPECT_TRUE(f.text->in_forward);
  ASSERT_EQ(f.attachments.size(), 1u);  // the image; the forward was read, not attached
  EXPECT_EQ(f.attachments[0].content_type, "image/png");
}

TEST_F(TextPartTest, TopLevelForward) {
  const PartChoice c = choose_text_part(forward("", leaf("1.1", "text", "plain")));
  ASSERT_TRUE(c.text);
  EXPECT_EQ(c.text->section, "1.1");
  EXPECT_TRUE(c.text->in_forward);
}

TEST_F(TextPartTest, ReportTakesTheHumanReadablePart) {
  const BodyPart root = multi("", "report",
                              {leaf("1", "text", "plain"), leaf("2", "message", "delivery-status"),
                               forward("3", leaf("3.1", "text", "plain"))});
  const PartChoice c = choose_text_part(root);
  EXPECT_EQ(c.text->section, "1");
  ASSERT_EQ(c.attachments.size(), 2u);
  EXPECT_EQ(c.attachments[0].content_type, "message/delivery-status");
  EXPECT_EQ(c.attachments[1].content_type, "message/rfc822");
}

TEST_F(TextPartTest, EncryptedAndAttachmentOnly) {
  const PartChoice e = choose_text_part(
      multi("", "encrypted",
            {leaf("1", "application", "pgp-encrypted"), leaf("2", "application", "octet-stream")}));
  EXPECT_FALSE(e.text);
  EXPECT_TRUE(e.encrypted);

  const PartChoice a = choose_text_part(leaf("", "application", "pdf", 5, "attachment", "a.pdf"));
  EXPECT_FALSE(a.text);
  EXPECT_FALSE(a.encrypted);
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].section, "1");
}

TEST_F(TextPartTest, FetchBudgetCoversEncodingOverhead) {
  Limits limits;
  limits.max_text_bytes = 3000;
  BodyPart b64 = leaf("", "text", "plain");
  b64.encoding = "base64";
  const std::uint32_t plain_budget = choose_text_part(leaf("", "text", "plain"), limits).text->fetch_bytes;
  const std::uint32_t b64_budget = choose_text_part(b64, limits).text->fetch_bytes;
  EXPECT_GE(plain_budget, 3000u);
  EXPECT_GE(b64_budget, 4000u);
  EXPECT_GT(b64_budget, plain_budget);
  const std::uint32_t html_budget = choose_text_part(leaf("", "text", "html"), limits).text->fetch_bytes;
  EXPECT_GE(html_budget, limits.max_html_bytes);
  BodyPart qp_html = leaf("", "text", "html");
  qp_html.encoding = "quoted-printable";
  EXPECT_EQ(choose_text_part(qp_html, limits).text->fetch_bytes, limits.max_fetch_bytes);
}

TEST_F(TextPartTest, DepthIsBounded) {
  BodyPart root = leaf("1", "text", "plain");
  for (int i = 0; i < 100; ++i) root = multi("", "mixed", {root});
  Limits limits;
  limits.max_depth = 10;
  EXPECT_FALSE(choose_text_part(root, limits).text);
}

TEST_F(TextPartTest, AttachmentNames) {
  BodyPart p = leaf("2", "application", "pdf");
  p.params["name*"] = "utf-8''na%C3%AFve%20file.pdf";
  EXPECT_EQ(attachment_name(p), "naïve file.pdf");

  BodyPart q = leaf("2", "application", "pdf");
  q.params["filename*0*"] = "iso-8859-1''Fr%F6";
  q.params["filename*1"] = "sche.txt";
  EXPECT_EQ(attachment_name(q), "Frösche.txt");

  BodyPart r = leaf("2", "application", "pdf", 1, "attachment", "=?utf-8?B?w6ljaMOpYW5jZS5wZGY=?=");
  EXPECT_EQ(attachment_name(r), "échéance.pdf");

  BodyPart s = leaf("2", "application", "pdf", 1, "attachment", "..\\..\\etc/passwd\r\nx");
  EXPECT_EQ(attachment_name(s), "passwd x");
}

}  // namespace
}  // namespace raven::message
