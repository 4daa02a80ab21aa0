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

LoadOptions with_secrets() {
  return testing::options_with(
      {{"RAVEN_IMAP_PASSWORD", "pw"}, {"RAVEN_SMTP_PASSWORD", "smtp-pw"}, {"OPENAI_API_KEY", "sk-test"}});
}

TEST(ConfigExample, Loads) {
  Config c;
  try {
    c = load_file(kSource + "/examples/raven.yaml", with_secrets());
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
  ASSERT_TRUE(c.answer && c.llm && c.smtp);
  EXPECT_EQ(c.answer->from, "Raven <raven@example.com>");
  EXPECT_EQ(c.answer->mode, answer::Mode::send);
  EXPECT_EQ(c.answer->max_text, 64u * 1024);
  EXPECT_EQ(c.llm->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(c.llm->api_key, "sk-test");
  EXPECT_EQ(c.llm->model, "gpt-4o-mini");
  EXPECT_EQ(c.llm->max_response_bytes, std::size_t{4} << 20);
  EXPECT_EQ(c.smtp->effective_port(), 587);
  EXPECT_EQ(c.smtp->tls, smtp::Tls::starttls);
  EXPECT_EQ(c.smtp->password, "smtp-pw");
  EXPECT_EQ(c.smtp->envelope_from, "raven@example.com");  // from answer.from
}

TEST(ConfigExample, NeedsItsSecretVariables) {
  try {
    load_file(kSource + "/examples/raven.yaml", testing::options_with({}));
    FAIL() << "loaded without its environment variables";
  } catch (const ConfigError& e) {
    std::vector<std::string> paths;
    for (const auto& p : e.problems()) paths.push_back(p.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"imap.password", "llm.api_key", "smtp.password"})) << e.what();
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
  for (const char* k :
       {"imap.ca_file",        "imap.password_file",    "imap.password_command", "llm.api_key_file",
        "llm.api_key_command", "llm.temperature",       "llm.ca_file",           "smtp.ca_file",
        "smtp.password_file",  "smtp.password_command", "smtp.envelope_from",    "tools",
        "tools[].name",        "tools[].description",   "tools[].command",       "tools[].parameters",
        "tools[].stdin",       "tools[].timeout",       "tools[].max_output",    "tools[].working_dir",
        "tools[].env",         "tools[].sandbox",       "tools[].network",       "tools[].allow_senders"})
    keys.emplace_back(k);
  const std::string docs = slurp(kSource + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& k : keys)
    EXPECT_NE(docs.find("`" + k + "`"), std::string::npos) << k << " is not in the docs";
}

// The commented-out tools: example, uncommented, is a valid section except
// for the paths that only exist on a real server.
TEST(ConfigExample, CommentedToolsExampleLoads) {
  std::istringstream in(slurp(kSource + "/examples/raven.yaml"));
  std::string block;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "# tools:") inside = true;
    if (!inside) continue;
    if (!line.starts_with("#")) break;
    block += line.substr(std::min<std::size_t>(2, line.size())) + "\n";
  }
  ASSERT_FALSE(block.empty());
  const auto found = testing::problems(std::string(testing::kImap) + block);
  ASSERT_EQ(found.size(), 2u) << ::testing::PrintToString(found);
  EXPECT_TRUE(found[0].starts_with("tools[0].command[0]: /usr/local/bin/order-lookup does not exist"))
      << found[0];
  EXPECT_TRUE(found[1].starts_with("tools[0].working_dir: /srv/raven-tools does not exist")) << found[1];
}

}  // namespace
}  // namespace raven::config
