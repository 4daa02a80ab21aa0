// Argument checks and libetpan structures built from them (no network).
#include "imap/arguments.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "imap/fetch.hpp"

namespace raven::imap {
namespace {

void expect_permanent(const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  }
}

TEST(ImapArguments, TextWithLineBreaksOrNulIsRejected) {
  expect_permanent([] { check_text("subject", "a\r\nA2 DELETE INBOX"); });
  expect_permanent([] { check_text("subject", "a\n"); });
  expect_permanent([] { check_text("subject", "a\r"); });
  expect_permanent([] { check_text("subject", std::string("a\0b", 3)); });
  EXPECT_NO_THROW(check_text("subject", "Grüße \"quoted\" (x)"));
}

TEST(ImapArguments, AtomsExcludeAtomSpecials) {
  EXPECT_TRUE(is_atom("$Forwarded"));
  EXPECT_TRUE(is_atom("NonJunk"));
  for (const char* bad : {"", "a b", "a(b", "a)b", "a{b", "a%b", "a*b", "a\"b", "a\\b", "a]b", "a\tb", "ü"}) {
    EXPECT_FALSE(is_atom(bad)) << bad;
  }
}

TEST(ImapArguments, FlagsAreSystemFlagsOrKeywordAtoms) {
  EXPECT_NO_THROW(check_flag("\\Seen"));
  EXPECT_NO_THROW(check_flag("\\answered"));
  EXPECT_NO_THROW(check_flag("$Raven"));
  expect_permanent([] { check_flag("\\Recent"); });
  expect_permanent([] { check_flag("\\"); });
  expect_permanent([] { check_flag("two words"); });
  expect_permanent([] { check_flag("$X\r\nA1 LOGOUT"); });
  expect_permanent([] { check_flag("x)"); });
  expect_permanent([] { check_flag("\\Seen]"); });
}

TEST(ImapArguments, FlagListMapsSystemFlags) {
  etpan::FlagListPtr list = make_flag_list({"\\SEEN", "\\Answered", "$Raven", "\\Custom"});
  ASSERT_TRUE(list);
  std::vector<int> types;
  etpan::for_each<mailimap_flag>(list->fl_list, [&](const mailimap_flag* f) { types.push_back(f->fl_type); });
  EXPECT_EQ(types, (std::vector<int>{MAILIMAP_FLAG_SEEN, MAILIMAP_FLAG_ANSWERED, MAILIMAP_FLAG_KEYWORD,
                                     MAILIMAP_FLAG_EXTENSION}));
  EXPECT_FALSE(make_flag_list({}));
}

TEST(ImapArguments, UidSetsAreCompactRanges) {
  etpan::SetPtr set = make_uid_set({7, 1, 2, 3, 3, 9, 10});
  std::vector<std::pair<std::uint32_t, std::uint32_t>> items;
  etpan::for_each<mailimap_set_item>(set->set_list, [&](const mailimap_set_item* i) {
    items.emplace_back(i->set_first, i->set_last);
  });
  EXPECT_EQ(items, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 3}, {7, 7}, {9, 10}}));
  expect_permanent([] { make_uid_set({0, 1}); });
  expect_permanent([] { make_uid_set({}); });
}

TEST(ImapSections, ParsesRfc3501Spellings) {
  for (const char* s : {"1", "1.2", "TEXT", "HEADER", "1.2.TEXT", "2.header", "3.MIME", "10.1"}) {
    ParsedSection p = parse_section(s);
    ASSERT_TRUE(p.section) << s;
    EXPECT_EQ(section_name(p.section.get()), p.canonical) << s;
  }
  EXPECT_EQ(parse_section("2.header").canonical, "2.HEADER");
  for (const char* bad : {"", "0", "1.", ".1", "1..2", "1.TEXT.2", "MIME", "1.FOO", "a", "01", "1 2", "1\r\n"}) {
    expect_permanent([&] { parse_section(bad); });
  }
}

TEST(ImapFetch, FormatsInternalDate) {
  mailimap_date_time dt{17, 7, 1996, 2, 44, 25, -700};
  EXPECT_EQ(format_date_time(dt), "17-Jul-1996 02:44:25 -0700");
  dt.dt_zone = 530;
  EXPECT_EQ(format_date_time(dt), "17-Jul-1996 02:44:25 +0530");
}

}  // namespace
}  // namespace raven::imap
