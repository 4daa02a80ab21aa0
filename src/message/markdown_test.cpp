#include "message/markdown.hpp"

#include <gtest/gtest.h>

namespace raven::message {
namespace {

TEST(Markdown, RendersCommonMark) {
  EXPECT_EQ(markdown_to_html("Hello **world**"), "<p>Hello <strong>world</strong></p>\n");
  EXPECT_EQ(markdown_to_html("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
  EXPECT_EQ(markdown_to_html("[docs](https://example.com/?a=1&b=2)"),
            "<p><a href=\"https://example.com/?a=1&amp;b=2\">docs</a></p>\n");
}

TEST(Markdown, RawHtmlFromTheModelIsNotPassedThrough) {
  const std::string html = markdown_to_html(
      "<script>alert(1)</script>\n\nText <img src=x onerror=alert(2)> and <b>bold</b>\n\n<div "
      "onclick=\"x()\">block</div>");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<div"), std::string::npos) << html;
  EXPECT_EQ(html.find("onerror"), std::string::npos) << html;
}

TEST(Markdown, DangerousLinkTargetsAreRemoved) {
  const std::string html =
      markdown_to_html("[click](javascript:alert(1)) [x](vbscript:y) ![i](data:text/html,z)");
  EXPECT_EQ(html.find("javascript:"), std::string::npos) << html;
  EXPECT_EQ(html.find("vbscript:"), std::string::npos) << html;
  EXPECT_EQ(html.find("data:text/html"), std::string::npos) << html;
}

TEST(Markdown, InvalidUtf8IsReplaced) {
  EXPECT_EQ(markdown_to_html("a\xFF"
                             "b"),
            "<p>a\xEF\xBF\xBD"
            "b</p>\n");
}

TEST(Markdown, Escape) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace raven::message
