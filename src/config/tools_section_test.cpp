// The tools: section through load_string: values, YAML → JSON Schema typing,
// relative paths, and every problem located at tools[i].key with its line.
#include <gtest/gtest.h>

#include "config/test_support.hpp"

namespace raven::config {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::kImap;
using testing::options_with;
using testing::problems;
using testing::TempDir;
using Lines = std::vector<std::string>;

// kImap is lines 1-4; "tools:" is line 5, the first tool's "- name" line 6.
constexpr const char* kLookup =
    "tools:\n"
    "  - name: lookup_order\n"
    "    description: Find an order by its number and return its status.\n"
    "    command: [\"/bin/echo\", \"--id\", \"{order_id}\"]\n"
    "    parameters:\n"
    "      type: object\n"
    "      properties:\n"
    "        order_id: {type: string, pattern: \"^[0-9]{1,10}$\", maxLength: 10}\n"
    "      required: [order_id]\n"
    "      additionalProperties: false\n";

std::string with(const std::string& tools) {
  return std::string(kImap) + tools;
}

TEST(ConfigTools, AbsentMeansNoTools) {
  EXPECT_TRUE(load_string(kImap, options_with({})).tools.empty());
  EXPECT_TRUE(load_string(with("tools:\n"), options_with({})).tools.empty());
  EXPECT_TRUE(load_string(with("tools: []\n"), options_with({})).tools.empty());
}

TEST(ConfigTools, ReadsEveryKey) {
  TempDir dir;
  const std::string yaml = with(std::string(kLookup) +
                                "    stdin: json\n"
                                "    timeout: 3s\n"
                                "    max_output: 1KiB\n"
                                "    working_dir: /tmp\n"
                                "    env: {ORDER_DB: \"${DB}\", LANG: C.UTF-8}\n"
                                "    sandbox: none\n"
                                "    allow_senders: [\"boss@example.com\", \"@example.org\"]\n");
  const Config c = load_string(yaml, options_with({{"DB", "/srv/orders.db"}}), dir.str());
  ASSERT_EQ(c.tools.size(), 1u);
  const tool::Spec& t = c.tools[0];
  EXPECT_EQ(t.name, "lookup_order");
  EXPECT_EQ(t.description, "Find an order by its number and return its status.");
  EXPECT_EQ(t.command, (std::vector<std::string>{"/bin/echo", "--id", "{order_id}"}));
  EXPECT_EQ(t.parameters, json::parse(R"({"type":"object",
      "properties":{"order_id":{"type":"string","pattern":"^[0-9]{1,10}$","maxLength":10}},
      "required":["order_id"],"additionalProperties":false})"));
  EXPECT_EQ(t.input, tool::Input::json);
  EXPECT_EQ(t.timeout, 3s);
  EXPECT_EQ(t.max_output, 1024u);
  EXPECT_EQ(t.working_dir, "/tmp");
  EXPECT_EQ(t.env, (std::map<std::string, std::string>{{"LANG", "C.UTF-8"}, {"ORDER_DB", "/srv/orders.db"}}));
  EXPECT_EQ(t.sandbox, tool::Sandbox::none);
  EXPECT_FALSE(t.network.has_value());
  EXPECT_EQ(t.allow_senders, (std::vector<std::string>{"boss@example.com", "@example.org"}));
}

TEST(ConfigTools, DefaultsForOptionalKeys) {
  const Config c = load_string(with("tools:\n"
                                    "  - name: uptime\n"
                                    "    description: How long the server has been up.\n"
                                    "    command: [uptime]\n"),
                               options_with({}));
  ASSERT_EQ(c.tools.size(), 1u);
  EXPECT_EQ(c.tools[0].parameters, tool::Spec::default_parameters());
  EXPECT_EQ(c.tools[0].timeout, 10s);
  EXPECT_EQ(c.tools[0].max_output, 64u * 1024);
  EXPECT_EQ(c.tools[0].input, tool::Input::none);
}

TEST(ConfigTools, SchemaScalarsAreTypedLikeYaml12) {
  const Config c =
      load_string(with("tools:\n"
                       "  - name: t\n"
                       "    description: d\n"
                       "    command: [/bin/echo]\n"
                       "    parameters:\n"
                       "      type: object\n"
                       "      properties:\n"
                       "        a: {type: integer, minimum: -5, maximum: 1e3, default: 0}\n"
                       "        b: {type: string, enum: [yes, no, \"true\", '42'], default: yes}\n"
                       "        c: {type: [boolean, \"null\"], default: true}\n"
                       "        d: {type: number, exclusiveMaximum: 2.5}\n"
                       "        e: {type: string, pattern: ^a$, description: \"${NOT_EXPANDED}\"}\n"),
                  options_with({}));
  ASSERT_EQ(c.tools.size(), 1u);
  const json& p = c.tools[0].parameters["properties"];
  EXPECT_EQ(p["a"], json::parse(R"({"type":"integer","minimum":-5,"maximum":1000.0,"default":0})"));
  EXPECT_EQ(p["b"]["enum"], json::parse(R"(["yes","no","true","42"])"));
  EXPECT_EQ(p["c"], json::parse(R"({"type":["boolean","null"],"default":true})"));
  EXPECT_EQ(p["d"]["exclusiveMaximum"], 2.5);
  EXPECT_EQ(p["e"]["pattern"], "^a$");
  EXPECT_EQ(p["e"]["description"], "${NOT_EXPANDED}");
}

TEST(ConfigTools, RelativeCommandAndWorkingDirAreTheConfigFilesDirectory) {
  TempDir dir;
  dir.write("lookup.sh", "#!/bin/sh\necho hi\n", true);
  std::filesystem::create_directory(dir.path() / "work");
  const Config c = load_string(with("tools:\n"
                                    "  - name: t\n"
                                    "    description: d\n"
                                    "    command: [./lookup.sh]\n"
                                    "    working_dir: work\n"),
                               options_with({}), dir.str());
  ASSERT_EQ(c.tools.size(), 1u);
  EXPECT_EQ(c.tools[0].command[0], (dir.path() / "lookup.sh").string());
  EXPECT_EQ(c.tools[0].working_dir, (dir.path() / "work").string());
}

TEST(ConfigTools, ProblemsAreLocatedAtTheToolsKeys) {
  const std::string yaml = with(std::string(kLookup) +
                                "    timeout: 1h\n"         // line 15
                                "  - name: lookup_order\n"  // line 16
                                "    description: again\n"
                                "    command: [/nonexistent/tool, \"{x}\"]\n"  // line 18
                                "    sandbox: docker\n"                        // line 19
                                "    colour: blue\n");                         // line 20
  EXPECT_EQ(
      problems(yaml),
      (Lines{"tools[0].timeout: must be 1ms-10m (line 15)",
             "tools[1].name: \"lookup_order\" is already the name of tools[0] (line 16)",
             "tools[1].command[0]: /nonexistent/tool does not exist (line 18)",
             "tools[1].command[1]: {x} names no parameter (the tool has none) (line 18)",
             "tools[1].sandbox: must be none or bwrap (line 19)", "tools[1].colour: unknown key (line 20)"}));
}

TEST(ConfigTools, SchemaProblemsPointIntoTheSchema) {
  const std::string yaml = with(
      "tools:\n"
      "  - name: t\n"
      "    description: d\n"
      "    command: [/bin/echo, \"{when}\"]\n"
      "    parameters:\n"
      "      type: object\n"
      "      properties:\n"
      "        when: {type: string, format: date}\n"  // line 12
      "      required: [when]\n");
  EXPECT_EQ(problems(yaml),
            Lines{"tools[0].parameters.properties.when.format: is not enforced by Raven (in JSON "
                  "Schema it is only an annotation); use pattern instead (line 12)"});
}

TEST(ConfigTools, ShapeProblems) {
  EXPECT_EQ(problems(with("tools:\n  name: t\n")),
            Lines{"tools: must be a list of tools (- name: … entries) (line 5)"});
  // A bad element is reported once, not also for every missing key.
  EXPECT_EQ(problems(with("tools:\n  - just a string\n")),
            Lines{"tools[0]: must be a mapping (key: value lines) (line 6)"});
  EXPECT_EQ(problems(with("tools:\n"
                          "  - name: t\n"
                          "    description: d\n"
                          "    command: /bin/echo\n"
                          "    parameters: [1]\n"
                          "    env: {A: [1]}\n")),
            (Lines{"tools[0].command: must be a list of strings (line 8)",
                   "tools[0].parameters: must be a mapping: a JSON Schema with type: object (line 9)",
                   "tools[0].env.A: must be a string (line 10)"}));
}

TEST(ConfigTools, NetworkNeedsTheSandbox) {
  EXPECT_EQ(
      problems(with("tools:\n"
                    "  - name: t\n"
                    "    description: d\n"
                    "    command: [/bin/echo]\n"
                    "    network: false\n")),
      Lines{"tools[0].network: applies only with sandbox: bwrap (without a sandbox the tool has the network) "
            "(line 9)"});
}

}  // namespace
}  // namespace raven::config
