#include "filter/filter.hpp"

#include <gtest/gtest.h>

namespace raven::filter {
namespace {

Filter make(std::vector<std::string> senders, std::string subject = "") {
  Config c{std::move(senders), std::move(subject)};
  EXPECT_TRUE(c.validate().empty());
  return Filter(c);
}

TEST(FilterAllows, EmptyListAllowsAnyone) {
  auto f = make({});
  EXPECT_TRUE(f.allows_anyone());
  EXPECT_TRUE(f.allows("stranger@anywhere.test"));
}

TEST(FilterAllows, ExactAddressOnly) {
  auto f = make({"alice@example.com"});
  EXPECT_TRUE(f.allows("alice@example.com"));
  EXPECT_FALSE(f.allows("malice@example.com"));
  EXPECT_FALSE(f.allows("alice@example.com.evil.test"));
  EXPECT_FALSE(f.allows("alice@sub.example.com"));
  EXPECT_FALSE(f.allows("bob@example.com"));
}

TEST(FilterAllows, CaseInsensitive) {
  auto f = make({"Alice@Example.COM"});
  EXPECT_TRUE(f.allows("alice@example.com"));
  EXPECT_TRUE(f.allows("ALICE@EXAMPLE.com"));
}

TEST(FilterAllows, DomainEntryMatchesThatDomainOnly) {
  auto f = make({"@example.org"});
  EXPECT_TRUE(f.allows("anyone@example.org"));
  EXPECT_TRUE(f.allows("x@EXAMPLE.ORG"));
  EXPECT_TRUE(f.allows("x@example.org."));
  EXPECT_FALSE(f.allows("x@evil-example.org"));
  EXPECT_FALSE(f.allows("x@sub.example.org"));
  EXPECT_FALSE(f.allows("x@example.org.evil"));
  EXPECT_FALSE(f.allows("example.org"));
}

TEST(FilterAllows, RejectsAnythingThatIsNotABareAddress) {
  auto f = make({"@example.org", "alice@example.com"});
  EXPECT_FALSE(f.allows(""));
  EXPECT_FALSE(f.allows("@example.org"));  // no local part
  EXPECT_FALSE(f.allows("Alice <alice@example.com>"));
  EXPECT_FALSE(f.allows("alice@example.com\r\nBcc: x@y"));
  EXPECT_FALSE(f.allows("alice@"));
}

TEST(FilterAllows, QuotedLocalPartSplitsAtLastAt) {
  auto f = make({"@example.org"});
  EXPECT_TRUE(f.allows("\"a@b\"@example.org"));
  EXPECT_FALSE(f.allows("\"x@example.org\"@evil.test"));
}

TEST(FilterSearch, UnseenFromTermsAndSubject) {
  auto f = make({"alice@example.com", "@example.org"}, "[help]");
  auto q = f.search_query();
  EXPECT_TRUE(q.unseen);
  EXPECT_EQ(q.from_any, (std::vector<std::string>{"alice@example.com", "@example.org"}));
  EXPECT_EQ(q.subject, "[help]");
  EXPECT_FALSE(q.min_uid.has_value());
}

TEST(FilterSearch, NoSendersMeansNoFromTerms) {
  auto q = make({}).search_query();
  EXPECT_TRUE(q.unseen);
  EXPECT_TRUE(q.from_any.empty());
  EXPECT_TRUE(q.subject.empty());
}

TEST(FilterConfig, RejectsLineBreaksThatWouldInjectImapCommands) {
  Config c{{"alice@example.com\r\nA1 DELETE INBOX"}, "x\ny"};
  auto problems = c.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].field, "senders[0]");
  EXPECT_EQ(problems[0].message, "must not contain CR, LF or NUL");
  EXPECT_EQ(problems[1].field, "subject");
  // A filter built from an unvalidated config still never carries them.
  Filter f(c);
  EXPECT_TRUE(f.search_query().from_any.empty());
  EXPECT_TRUE(f.search_query().subject.empty());
}

TEST(FilterConfig, RejectsMalformedEntries) {
  Config c{{"alice", "alice@", "@", "a b@example.com", "<a@example.com>", std::string("a@b\0c", 5)}, ""};
  auto problems = c.validate();
  EXPECT_EQ(problems.size(), 6u);
}

}  // namespace
}  // namespace raven::filter
