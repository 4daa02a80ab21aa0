#include "policy/header_value.hpp"

#include <gtest/gtest.h>

#include "policy/address_list.hpp"

namespace raven::policy::detail {
namespace {

TEST(StripComments, RemovesNestedCommentsKeepsQuotes) {
  EXPECT_EQ(strip_comments("no (manual)"), "no");
  EXPECT_EQ(strip_comments("(a (nested) one) no"), "no");
  EXPECT_EQ(strip_comments(R"(no (a \) b))"), "no");
  EXPECT_EQ(strip_comments(R"x("(not a comment)" x)x"), R"x("(not a comment)" x)x");
  EXPECT_EQ(strip_comments("no (unterminated"), "no");
}

TEST(FirstKeyword, LowerCaseCutAtSemicolon) {
  EXPECT_EQ(first_keyword("No (manual)"), "no");
  EXPECT_EQ(first_keyword("(comment)NO"), "no");
  EXPECT_EQ(first_keyword("auto-replied; owner-email=\"x@y\""), "auto-replied");
  EXPECT_EQ(first_keyword(""), "");
  EXPECT_EQ(first_keyword("no-thanks"), "no-thanks");
}

TEST(KeywordList, CommaSeparated) {
  EXPECT_EQ(keyword_list("OOF, AutoReply"), (std::vector<std::string>{"oof", "autoreply"}));
  EXPECT_EQ(keyword_list(" DR ,, RN (comment)"), (std::vector<std::string>{"dr", "rn"}));
}

TEST(ReturnPath, NullAndAddresses) {
  EXPECT_EQ(return_path_address("<>"), std::string());
  EXPECT_EQ(return_path_address("< >"), std::string());
  EXPECT_EQ(return_path_address("<> (bounce)"), std::string());
  EXPECT_EQ(return_path_address("<a@b.example>"), "a@b.example");
  EXPECT_EQ(return_path_address("a@b.example"), "a@b.example");
  EXPECT_EQ(return_path_address("<@relay.example:a@b.example>"), "a@b.example");
  EXPECT_EQ(return_path_address("<MAILER-DAEMON>"), "MAILER-DAEMON");
  EXPECT_EQ(return_path_address(""), std::nullopt);
  EXPECT_EQ(return_path_address("<a@b>, <c@d>"), std::nullopt);
}

TEST(LocalPart, LowerCaseWithoutDetail) {
  EXPECT_EQ(local_part("No-Reply+abc@Example.com"), "no-reply");
  EXPECT_EQ(local_part("MAILER-DAEMON"), "mailer-daemon");
  EXPECT_EQ(local_part("\"Owner-x\"@example.com"), "owner-x");
}

TEST(AddressList, DisplayNamesQuotesCommentsGroups) {
  EXPECT_EQ(parse_address_list(R"("Doe, John" <john@example.com>, raven@example.com (the bot))"),
            (std::vector<std::string>{"john@example.com", "raven@example.com"}));
  EXPECT_EQ(parse_address_list("team: a@example.com, b@example.com;, c@example.com"),
            (std::vector<std::string>{"a@example.com", "b@example.com", "c@example.com"}));
  EXPECT_EQ(parse_address_list(R"("raven@example.com" <other@example.com>)"),
            (std::vector<std::string>{"other@example.com"}));
  EXPECT_TRUE(parse_address_list("").empty());
  EXPECT_TRUE(parse_address_list("undisclosed-recipients:;").empty());
}

}  // namespace
}  // namespace raven::policy::detail
