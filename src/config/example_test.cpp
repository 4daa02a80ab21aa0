// examples/raven.yaml loads, and docs/configuration.md documents every key in it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/test_support.hpp"
#include "tool/registry.hpp"
#include "tool/render.hpp"

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
  EXPECT_EQ(c.llm->max_tool_rounds, 8u);
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

// The commented-out tools: example, uncommented and read from examples/
// (its paths are relative to the config file), is a valid section.
std::string commented_tools_block() {
  std::istringstream in(slurp(kSource + "/examples/raven.yaml"));
  std::string block;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "# tools:") inside = true;
    if (!inside) continue;
    if (!line.starts_with("#")) break;
    block += line.substr(std::min<std::size_t>(2, line.size())) + "\n";
  }
  return block;
}

TEST(ConfigExample, CommentedToolsExampleLoads) {
  const std::string block = commented_tools_block();
  ASSERT_FALSE(block.empty());
  const auto found = testing::problems(std::string(testing::kImap) + block, testing::options_with({}),
                                       kSource + "/examples");
  EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);
}

// The two example tools (examples/tools/) do what docs/tools.md says, run as
// Raven runs them. Without the sandbox, which not every test machine allows.
TEST(ConfigExample, ExampleToolsAnswer) {
  Config c;
  try {
    c = load_string(std::string(testing::kImap) + commented_tools_block(), testing::options_with({}),
                    kSource + "/examples");
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  }
  ASSERT_EQ(c.tools.size(), 2u);
  for (auto& spec : c.tools) spec.sandbox = tool::Sandbox::none;
  const tool::Registry tools(c.tools);
  const tool::Context alice{
      .sender = "alice@example.com", .message_id = "<q@example.com>", .subject = "Order"};

  tool::Result r = tools.call("lookup_order", R"({"order_id":"1001"})", alice, {});
  EXPECT_TRUE(r.ok()) << tool::tool_message(r) << r.stderr_tail;
  EXPECT_NE(r.output.find("status: shipped (since 2026-11-20)"), std::string::npos) << r.output;
  // Another customer's order is not shown, whatever the model asks.
  r = tools.call("lookup_order", R"({"order_id":"1003"})", alice, {});
  EXPECT_EQ(r.output, "no order 1003 for alice@example.com\n");
  r = tools.call("lookup_order", R"({"order_id":"1001 --all"})", alice, {});
  EXPECT_EQ(r.status, tool::Result::Status::refused);

  r = tools.call("opening_hours", R"({"date":"2026-12-24","days":2})", alice, {});
  EXPECT_TRUE(r.ok()) << tool::tool_message(r) << r.stderr_tail;
  EXPECT_EQ(r.output,
            "Thursday 2026-12-24: open 09:00-12:00 (Christmas Eve)\n"
            "Friday 2026-12-25: closed (Christmas Day)\n");
  r = tools.call("opening_hours", "{}", alice, {});
  EXPECT_TRUE(r.ok()) << tool::tool_message(r) << r.stderr_tail;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "days defaults to 1: " << r.output;
  r = tools.call("opening_hours", R"({"date":"2026-02-30"})", alice, {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("date must be a real date"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace raven::config
