#include "message/message_id.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace raven::message {
namespace {

TEST(MessageId, DerivedIdsAreStableAndDistinct) {
  const std::string a = derive_reply_message_id("orig@example.com", "example.org");
  EXPECT_EQ(a, derive_reply_message_id("<orig@example.com>", "example.org"));
  EXPECT_TRUE(std::regex_match(a, std::regex("raven-[0-9a-f]{32}@example\\.org"))) << a;
  EXPECT_NE(a, derive_reply_message_id("orig2@example.com", "example.org"));
  EXPECT_NE(a, derive_reply_message_id("orig@example.com", "example.net"));
}

TEST(MessageId, NothingToDeriveFromGivesAFreshId) {
  const std::string a = derive_reply_message_id("", "example.org");
  const std::string b = derive_reply_message_id("bad id", "example.org");
  EXPECT_TRUE(std::regex_match(a, std::regex("raven-[0-9a-f]{32}@example\\.org"))) << a;
  EXPECT_NE(a, b);
}

TEST(MessageId, FreshIdsDiffer) {
  EXPECT_NE(new_message_id("example.org"), new_message_id("example.org"));
}

TEST(MessageId, Domain) {
  EXPECT_EQ(message_id_domain("raven@Example.ORG"), "example.org");
  EXPECT_EQ(message_id_domain("raven@exa\r\nmple.org>"), "example.org");
  EXPECT_EQ(message_id_domain("no-at-sign"), "raven.invalid");
}

TEST(MessageId, Clean) {
  EXPECT_EQ(clean_message_id(" <a.b@c> "), "a.b@c");
  EXPECT_EQ(clean_message_id("a b@c"), "");
  EXPECT_EQ(clean_message_id("a@c>\r\nBcc: x"), "");
  EXPECT_EQ(clean_message_id(std::string(300, 'a')), "");
}

TEST(MessageId, ReferencesChain) {
  Request r;
  r.message_id = "m3@x";
  r.in_reply_to = "m2@x";
  r.references = {"m1@x", "m2@x"};
  EXPECT_EQ(reply_references(r, 20), (std::vector<std::string>{"m1@x", "m2@x", "m3@x"}));

  Request no_refs;
  no_refs.message_id = "m3@x";
  no_refs.in_reply_to = "m2@x";
  EXPECT_EQ(reply_references(no_refs, 20), (std::vector<std::string>{"m2@x", "m3@x"}));

  Request first;
  first.message_id = "m1@x";
  EXPECT_EQ(reply_references(first, 20), (std::vector<std::string>{"m1@x"}));

  Request none;
  EXPECT_TRUE(reply_references(none, 20).empty());
}

TEST(MessageId, ReferencesCapKeepsTheRootAndTheNewest) {
  Request r;
  for (int i = 0; i < 30; ++i) r.references.push_back("m" + std::to_string(i) + "@x");
  r.references.push_back("m5@x");  // a duplicate
  r.message_id = "m30@x";
  const auto refs = reply_references(r, 4);
  EXPECT_EQ(refs, (std::vector<std::string>{"m0@x", "m28@x", "m29@x", "m30@x"}));
}

}  // namespace
}  // namespace raven::message
