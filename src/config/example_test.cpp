// examples/raven.yaml loads, and docs/configuration.md documents every key in it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using namespace std::chrono_literals;

const std::string kSource = RAVEN_SOURCE_DIR;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ConfigExample, Loads) {
  Config c;
  try {
    c = load_file(kSource + "/examples/raven.yaml", testing::options_with({{"RAVEN_IMAP_PASSWORD", "pw"}}));
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(c.imap.host, "mail.example.com");
  EXPECT_EQ(c.imap.effective_port(), 993);
  EXPECT_EQ(c.imap.password, "pw");
  EXPECT_EQ(c.intake.mode, intake::Mode::idle);
  EXPECT_EQ(c.intake.idle_refresh, 25min);
  EXPECT_EQ(c.filter.senders.size(), 2u);
  EXPECT_EQ(c.log.level, log::Level::info);
}

TEST(ConfigExample, NeedsItsPasswordVariable) {
  try {
    load_file(kSource + "/examples/raven.yaml", testing::options_with({}));
    FAIL() << "loaded without RAVEN_IMAP_PASSWORD";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].path, "imap.password");
  }
}

void collect_keys(const YAML::Node& node, const std::string& prefix, std::vector<std::string>& out) {
  if (!node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string path = prefix.empty() ? it->first.Scalar() : prefix + "." + it->first.Scalar();
    out.push_back(path);
    collect_keys(it->second, path, out);
  }
}

TEST(ConfigExample, EveryKeyIsDocumented) {
  std::vector<std::string> keys;
  collect_keys(YAML::LoadFile(kSource + "/examples/raven.yaml"), "", keys);
  // The commented-out alternatives are documented too.
  for (const char* k : {"imap.ca_file", "imap.password_file", "imap.password_command"}) keys.emplace_back(k);
  const std::string docs = slurp(kSource + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& k : keys)
    EXPECT_NE(docs.find("`" + k + "`"), std::string::npos) << k << " is not in the docs";
}

}  // namespace
}  // namespace raven::config
