// argv templates: parsing placeholders and braces, substituting values.
// (That the result reaches a program as one element each is shown with real
// processes in runner_test.cpp.)
#include "tool/argv.hpp"

#include <gtest/gtest.h>

namespace raven::tool {
namespace {

using nlohmann::json;

Element parsed(std::string_view text) {
  std::string error;
  auto e = parse_element(text, &error);
  EXPECT_TRUE(e.has_value()) << error;
  return e ? *e : Element{};
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_element(text, &error).has_value()) << text;
  return error;
}

TEST(ToolArgv, ParsesLiteralsAndPlaceholders) {
  EXPECT_EQ(parsed("--id"), (Element{{false, "--id"}}));
  EXPECT_EQ(parsed("{order_id}"), (Element{{true, "order_id"}}));
  EXPECT_EQ(parsed("--id={order_id}"), (Element{{false, "--id="}, {true, "order_id"}}));
  EXPECT_EQ(parsed("{a}-{b}"), (Element{{true, "a"}, {false, "-"}, {true, "b"}}));
  EXPECT_EQ(parsed(""), Element{});
  EXPECT_EQ(placeholders(parsed("{a}x{b}")), (std::vector<std::string>{"a", "b"}));
}

TEST(ToolArgv, DoubledBracesAreLiteral) {
  EXPECT_EQ(parsed("{{}}"), (Element{{false, "{}"}}));
  EXPECT_EQ(parsed("{{{a}}}"), (Element{{false, "{"}, {true, "a"}, {false, "}"}}));
  EXPECT_EQ(parsed("awk {{print $1}}"), (Element{{false, "awk {print $1}"}}));
}

TEST(ToolArgv, LoneBracesAreErrors) {
  EXPECT_EQ(error_of("{a"), "has a '{' without its '}'; write {{ for a literal brace");
  EXPECT_EQ(error_of("{a{b}"), "has a '{' without its '}'; write {{ for a literal brace");
  EXPECT_EQ(error_of("a}"), "has a '}' without its '{'; write }} for a literal brace");
  EXPECT_EQ(error_of("{}"), "has an empty placeholder {}; write {{}} for literal braces");
}

TEST(ToolArgv, SubstitutesScalarsInJsonForm) {
  const json args = {{"s", "a b; rm -rf / #"}, {"i", 42},   {"f", 2.5},
                     {"whole", 5.0},           {"t", true}, {"n", nullptr}};
  EXPECT_EQ(substitute(parsed("{s}"), args), "a b; rm -rf / #");
  EXPECT_EQ(substitute(parsed("--n={i}"), args), "--n=42");
  EXPECT_EQ(substitute(parsed("{f}"), args), "2.5");
  EXPECT_EQ(substitute(parsed("{whole}"), args), "5");
  EXPECT_EQ(substitute(parsed("{t}"), args), "true");
  EXPECT_EQ(substitute(parsed("{n}"), args), "null");
  EXPECT_EQ(substitute(parsed("{s}{s}"), {{"s", "$(id)"}}), "$(id)$(id)");
  EXPECT_EQ(substitute(parsed("{{s}}"), args), "{s}");  // braces, not a placeholder
}

TEST(ToolArgv, RefusesWhatCannotBeAnArgvElement) {
  std::string error;
  EXPECT_FALSE(substitute(parsed("{o}"), {{"o", {{"a", 1}}}}, &error));
  EXPECT_EQ(error, "o: must be a string, number or boolean (it goes into a command line)");
  EXPECT_FALSE(substitute(parsed("{o}"), {{"o", {1, 2}}}, &error));
  EXPECT_FALSE(substitute(parsed("{s}"), {{"s", std::string("a\0b", 3)}}, &error));
  EXPECT_EQ(error, "s: must not contain NUL");
  EXPECT_FALSE(substitute(parsed("{missing}"), json::object(), &error));
  EXPECT_EQ(error, "missing: is required");
}

}  // namespace
}  // namespace raven::tool
