#include "config/interpolate.hpp"

#include <gtest/gtest.h>

#include <map>

namespace raven::config::detail {
namespace {

Environment env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const Environment kEnv =
    env_of({{"USER", "raven"}, {"PASS", "s3cret"}, {"EMPTY", ""}, {"NESTED", "${PASS}"}});

TEST(ConfigInterpolate, LeavesPlainTextAlone) {
  auto r = interpolate("mail.example.com", kEnv);
  EXPECT_EQ(r.value, "mail.example.com");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.substituted);
}

TEST(ConfigInterpolate, ReplacesVariables) {
  auto r = interpolate("${USER}@example.com:${PASS}", kEnv);
  EXPECT_EQ(r.value, "raven@example.com:s3cret");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.substituted);
}

TEST(ConfigInterpolate, SetButEmptyIsEmpty) {
  auto r = interpolate("a${EMPTY}b", kEnv);
  EXPECT_EQ(r.value, "ab");
  EXPECT_TRUE(r.errors.empty());
}

TEST(ConfigInterpolate, DollarDollarBraceIsALiteral) {
  auto r = interpolate("$${USER} costs $5, $$ and a$b; $${", kEnv);
  EXPECT_EQ(r.value, "${USER} costs $5, $$ and a$b; ${");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.substituted);
}

TEST(ConfigInterpolate, EscapeNextToAVariable) {
  EXPECT_EQ(interpolate("$${USER}${USER}", kEnv).value, "${USER}raven");
  EXPECT_EQ(interpolate("$$${USER}", kEnv).value, "$${USER}");  // "$" then "$${" then "USER}"
}

TEST(ConfigInterpolate, ValuesAreNotExpandedAgain) {
  EXPECT_EQ(interpolate("${NESTED}", kEnv).value, "${PASS}");
}

TEST(ConfigInterpolate, UnsetVariableIsNamed) {
  auto r = interpolate("${RAVEN_IMAP_PASSWORD}", kEnv);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "environment variable RAVEN_IMAP_PASSWORD is not set");
}

TEST(ConfigInterpolate, EveryUnsetVariableIsReported) {
  auto r = interpolate("${A}-${USER}-${B}", kEnv);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "environment variable A is not set");
  EXPECT_EQ(r.errors[1], "environment variable B is not set");
}

TEST(ConfigInterpolate, MalformedReferences) {
  EXPECT_NE(interpolate("${", kEnv).errors.at(0).find("unterminated ${"), std::string::npos);
  EXPECT_NE(interpolate("x${USER", kEnv).errors.at(0).find("unterminated ${"), std::string::npos);
  EXPECT_NE(interpolate("${}", kEnv).errors.at(0).find("is not an environment variable reference"),
            std::string::npos);
  EXPECT_NE(interpolate("${A:-b}", kEnv).errors.at(0).find("${A:-b} is not"), std::string::npos);
  EXPECT_FALSE(interpolate("${1A}", kEnv).errors.empty());
  EXPECT_TRUE(interpolate("${_a1}", env_of({{"_a1", "x"}})).errors.empty());
}

TEST(ConfigInterpolate, NoEnvironmentMeansUnset) {
  auto r = interpolate("${USER}", Environment{});
  EXPECT_EQ(r.errors.size(), 1u);
}

}  // namespace
}  // namespace raven::config::detail
