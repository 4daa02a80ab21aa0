#include "message/html_text.hpp"

#include <gtest/gtest.h>

#include "message/init.hpp"

namespace raven::message {
namespace {

std::string text_of(const std::string& html, std::size_t max = 64 * 1024) {
  init();
  return html_to_text(html, max).text;
}

TEST(HtmlText, DropsScriptStyleHeadTemplateNoscript) {
  const std::string html =
      "<html><head><title>Title text</title><style>p{color:red}</style>"
      "<script>var secret='head';</script></head><body>"
      "<p>Visible</p><script>alert('x')</script><style>.a{}</style>"
      "<template><p>template text</p></template><noscript>noscript text</noscript>"
      "<iframe>frame</iframe><svg><text>svg text</text></svg></body></html>";
  EXPECT_EQ(text_of(html), "Visible");
}

TEST(HtmlText, DropsVisuallyHiddenText) {
  const std::string html =
      "<p>one</p>"
      "<p hidden>hidden attribute</p>"
      "<div style=\"display: none\">display none</div>"
      "<div style=\"color:red; DISPLAY:NONE !important\">display none important</div>"
      "<span style=\"visibility:hidden\">visibility hidden</span>"
      "<span aria-hidden=\"true\">aria hidden</span>"
      "<span style=\"font-size:0px\">font size zero</span>"
      "<span style=\"opacity:0\">opacity zero</span>"
      "<span style=\"max-height:0;overflow:hidden\">preheader</span>"
      "<span style=\"mso-hide:all\">outlook hidden</span>"
      "<span style=\"font-size:0.9em\">two</span>"
      "<span style=\"opacity:0.5\"> three</span>";
  EXPECT_EQ(text_of(html), "one\n\ntwo three");
}

TEST(HtmlText, BlocksBreaksAndWhitespace) {
  EXPECT_EQ(text_of("<p>a   b\n c</p><p>d<br>e<br><br>f</p><div>g</div>h<h1>Title</h1>i"),
            "a b c\n\nd\ne\n\nf\n\ng\nh\n\nTitle\n\ni");
  EXPECT_EQ(text_of("caf&eacute; &amp; &lt;tag&gt;&nbsp;x"), "café & <tag> x");
}

TEST(HtmlText, Lists) {
  EXPECT_EQ(
      text_of(
          "<p>Steps:</p><ol><li>first</li><li>second<ul><li>inner</li></ul></li></ol><ul><li>dot</li></ul>"),
      "Steps:\n\n1. first\n2. second\n  - inner\n\n- dot");
}

TEST(HtmlText, LinksKeepTheirTextAndTarget) {
  EXPECT_EQ(text_of("<p>See <a href=\"https://example.com/x\">the docs</a>.</p>"),
            "See the docs <https://example.com/x>.");
  EXPECT_EQ(text_of("<a href=\"https://example.com\">https://example.com</a>"), "https://example.com");
  EXPECT_EQ(text_of("<a href=\"javascript:alert(1)\">click</a>"), "click");
  EXPECT_EQ(text_of("<a href=\"mailto:a@example.com\">a@example.com</a>"), "a@example.com");
}

TEST(HtmlText, BlockquoteBecomesQuotedLines) {
  EXPECT_EQ(text_of("<p>New text</p><div>On Monday, Bob wrote:</div>"
                    "<blockquote type=\"cite\"><p>old one</p><p>old two</p></blockquote>"),
            "New text\n\nOn Monday, Bob wrote:\n\n> old one\n\n> old two");
}

TEST(HtmlText, PreformattedTextIsKept) {
  EXPECT_EQ(text_of("<pre>a  b\n  c</pre>"), "a  b\n  c");
}

TEST(HtmlText, MalformedAndDeeplyNestedHtmlDoesNotCrash) {
  EXPECT_EQ(text_of("<p>unclosed <b>bold <i>both</p> after"), "unclosed bold both\n\nafter");
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "deep";
  EXPECT_NO_FATAL_FAILURE(text_of(deep));
  EXPECT_EQ(text_of(""), "");
  EXPECT_EQ(text_of(std::string("\0\0<p>x</p>", 10)), "x");
}

TEST(HtmlText, OutputIsCapped) {
  init();
  std::string html;
  for (int i = 0; i < 1000; ++i) html += "<p>paragraph number " + std::to_string(i) + "</p>";
  const HtmlText t = html_to_text(html, 100);
  EXPECT_TRUE(t.truncated);
  EXPECT_LE(t.text.size(), 100u);
}

}  // namespace
}  // namespace raven::message
