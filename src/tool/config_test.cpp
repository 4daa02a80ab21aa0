// Spec::validate() and validate(Config): every problem a tool declaration can
// have, reported with its field.
#include "tool/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.hpp"
#include "tool/test_support.hpp"
#include "tool/tool.hpp"

namespace raven::tool {
namespace {

using nlohmann::json;
using testing::lines;
using testing::spec_running;
using Lines = std::vector<std::string>;

TEST(ToolConfig, DefaultsMatchTheDocs) {
  const Spec s;
  EXPECT_EQ(s.input, Input::none);
  EXPECT_EQ(s.timeout, std::chrono::seconds(10));
  EXPECT_EQ(s.max_output, 64u * 1024);
  EXPECT_EQ(s.sandbox, Sandbox::none);
  EXPECT_FALSE(s.network.has_value());
  EXPECT_EQ(s.parameters, json::parse(R"({"type":"object","properties":{},"additionalProperties":false})"));
}

TEST(ToolConfig, AValidToolHasNoProblems) {
  Spec s = spec_running({"/bin/echo", "--", "{x}"});
  EXPECT_EQ(lines(s.validate()), Lines{});
  s.command = {"echo", "{x}"};  // a bare name, found on the default PATH
  EXPECT_EQ(lines(s.validate()), Lines{});
}

TEST(ToolConfig, EmptySpecNamesEveryMissingKey) {
  EXPECT_EQ(lines(Spec{}.validate()),
            (Lines{"name: must be set",
                   "description: must be set: the model reads it to decide when to call the tool",
                   "command: must be set: the program and its arguments, as a list"}));
}

TEST(ToolConfig, Names) {
  for (const char* good : {"a", "lookup_order", "get-weather", "A1"}) EXPECT_TRUE(valid_name(good)) << good;
  for (const std::string& bad :
       std::vector<std::string>{"", "has space", "dot.ted", "ümlaut", std::string(65, 'a')})
    EXPECT_FALSE(valid_name(bad)) << bad;
  EXPECT_TRUE(valid_name(std::string(64, 'a')));
  Spec s = spec_running({"/bin/echo"});
  s.name = "no/slash";
  EXPECT_EQ(lines(s.validate()),
            Lines{"name: must be 1-64 letters, digits, _ or - (the function name the model sees)"});
}

TEST(ToolConfig, DuplicateNames) {
  const Config tools{spec_running({"/bin/echo"}), spec_running({"/bin/true"})};
  EXPECT_EQ(lines(validate(tools)), Lines{"[1].name: \"test_tool\" is already the name of tools[0]"});
}

TEST(ToolConfig, ProblemsArePrefixedWithTheToolIndex) {
  Spec bad = spec_running({"/bin/echo"});
  bad.timeout = std::chrono::hours(1);
  Spec other = spec_running({"/bin/echo"});
  other.name = "other";
  EXPECT_EQ(lines(validate({other, bad})), Lines{"[1].timeout: must be 1ms-10m"});
}

TEST(ToolConfig, MissingAbsoluteCommand) {
  const Spec s = spec_running({"/nonexistent/order-lookup", "{x}"});
  EXPECT_EQ(lines(s.validate()), Lines{"command[0]: /nonexistent/order-lookup does not exist"});
}

TEST(ToolConfig, CommandNotOnPathSaysWhichPath) {
  Spec s = spec_running({"no-such-program-raven", "{x}"});
  EXPECT_EQ(lines(s.validate()), Lines{"command[0]: \"no-such-program-raven\" was not found on PATH "
                                       "(/usr/local/bin:/usr/bin:/bin); give an "
                                       "absolute path, or set env.PATH"});
  s.env["PATH"] = "/nonexistent:relative/dir";
  s.command[0] = "echo";
  EXPECT_EQ(
      lines(s.validate()),
      Lines{
          "command[0]: \"echo\" was not found on PATH (/nonexistent:relative/dir); give an absolute path, or "
          "set env.PATH"});
}

TEST(ToolConfig, CommandNotExecutableOrNotAFile) {
  testing::TempDir dir;
  const std::string plain = dir.write("plain", "#!/bin/sh\n", false);
  const Spec s = spec_running({plain, "{x}"});
  // root may execute a file without any x bit only if some x bit is set.
  EXPECT_EQ(lines(s.validate()), Lines{"command[0]: " + plain + " is not executable"});
  EXPECT_EQ(lines(spec_running({"/tmp", "{x}"}).validate()), Lines{"command[0]: /tmp is not a regular file"});
  EXPECT_EQ(lines(spec_running({"bin/tool", "{x}"}).validate()),
            Lines{"command[0]: \"bin/tool\" must be an absolute path, or a bare name looked up on PATH"});
  EXPECT_EQ(lines(spec_running({"", "{x}"}).validate()), Lines{"command[0]: must name a program"});
  EXPECT_EQ(lines(spec_running({"{x}"}).validate()),
            Lines{"command[0]: the program cannot be a placeholder"});
}

TEST(ToolConfig, PlaceholderProblems) {
  Spec s = spec_running({"/bin/echo", "{order_idd}", "{x", "{x}"});
  EXPECT_EQ(lines(s.validate()),
            (Lines{"command[1]: {order_idd} names no parameter (parameters: x)",
                   "command[2]: has a '{' without its '}'; write {{ for a literal brace"}));
  s = spec_running({"/bin/echo", "{x}", "{opt}", "{list}", "{dflt}"});
  s.parameters["properties"]["opt"] = {{"type", "string"}};
  s.parameters["properties"]["list"] = {{"type", "array"}};
  s.parameters["properties"]["dflt"] = {{"type", "integer"}, {"default", 3}};
  s.parameters["required"] = {"x", "list"};
  EXPECT_EQ(
      lines(s.validate()),
      (Lines{"command[2]: {opt} names a parameter that is neither required nor has a default; add it to "
             "required, or give it a default",
             "command[3]: {list} needs a parameter whose type is string, integer, number or boolean (objects "
             "and "
             "arrays go to the tool with stdin: json)"}));
  Spec none = spec_running({"/bin/echo", "{x}"});
  none.parameters = Spec::default_parameters();
  EXPECT_EQ(lines(none.validate()), Lines{"command[1]: {x} names no parameter (the tool has none)"});
}

TEST(ToolConfig, SchemaProblemsAreReportedUnderParameters) {
  Spec s = spec_running({"/bin/echo", "{x}", "{y}"});
  s.parameters["properties"]["x"]["format"] = "email";
  // A broken schema still catches a placeholder naming no property.
  EXPECT_EQ(lines(s.validate()),
            (Lines{"parameters.properties.x.format: is not enforced by Raven (in JSON Schema it is only an "
                   "annotation); use pattern instead",
                   "command[2]: {y} names no parameter"}));
  s.command.pop_back();
  EXPECT_EQ(lines(s.validate()), Lines{"parameters.properties.x.format: is not enforced by Raven (in JSON "
                                       "Schema it is only an annotation); use pattern instead"});
}

TEST(ToolConfig, LimitsAndWorkingDir) {
  Spec s = spec_running({"/bin/echo"});
  s.max_output = 0;
  s.timeout = std::chrono::minutes(11);
  s.working_dir = "/nonexistent-dir";
  EXPECT_EQ(lines(s.validate()), (Lines{"timeout: must be 1ms-10m", "max_output: must be 1B-16MiB",
                                        "working_dir: /nonexistent-dir does not exist"}));
  s = spec_running({"/bin/echo"});
  s.working_dir = "relative";
  EXPECT_EQ(lines(s.validate()), Lines{"working_dir: must be an absolute path"});
  s.working_dir = "/bin/sh";
  EXPECT_EQ(lines(s.validate()), Lines{"working_dir: /bin/sh is not a directory"});
  s.max_output = kMaxOutputLimit;
  s.timeout = kMaxTimeout;
  s.working_dir = "/";
  EXPECT_EQ(lines(s.validate()), Lines{});
}

TEST(ToolConfig, Environment) {
  Spec s = spec_running({"/bin/echo"});
  s.env = {{"ORDER_DB", "/srv/orders.db"}, {"PATH", "/usr/bin"}};
  EXPECT_EQ(lines(s.validate()), Lines{});
  s.env = {{"1BAD", "x"}, {"RAVEN_SENDER", "x"}, {"OK", std::string("a\0b", 3)}};
  EXPECT_EQ(
      lines(s.validate()),
      (Lines{"env.1BAD: is not a valid variable name (letters, digits and _, not starting with a digit)",
             "env.OK: must not contain NUL",
             "env.RAVEN_SENDER: is set by Raven for each message and cannot be configured"}));
}

TEST(ToolConfig, SandboxAndNetwork) {
  Spec s = spec_running({"/bin/echo"});
  s.network = false;
  EXPECT_EQ(lines(s.validate()),
            Lines{"network: applies only with sandbox: bwrap (without a sandbox the tool has the network)"});
  s.sandbox = Sandbox::bwrap;
  if (::access(std::string(kBwrapPath).c_str(), X_OK) == 0)
    EXPECT_EQ(lines(s.validate()), Lines{});
  else
    EXPECT_EQ(lines(s.validate()), Lines{"sandbox: bwrap needs /usr/bin/bwrap (Debian package bubblewrap)"});
}

TEST(ToolConfig, AllowSenders) {
  Spec s = spec_running({"/bin/echo"});
  s.allow_senders = {"boss@example.com", "@example.org"};
  EXPECT_EQ(lines(s.validate()), Lines{});
  s.allow_senders = {"boss@example.com", "not an address"};
  EXPECT_EQ(
      lines(s.validate()),
      Lines{
          "allow_senders[1]: must be an address (alice@example.com) or a domain (@example.org), got \"not an "
          "address\""});
}

TEST(ToolConfig, ToolRefusesAnInvalidSpec) {
  try {
    Tool t(spec_running({"/nonexistent/x"}));
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
    EXPECT_STREQ(e.what(), "tool test_tool: command[0]: /nonexistent/x does not exist");
  }
}

TEST(ToolConfig, ToolResolvesItsProgramOnce) {
  const Tool t(spec_running({"echo", "{x}"}));
  EXPECT_TRUE(t.program() == "/usr/local/bin/echo" || t.program() == "/usr/bin/echo" ||
              t.program() == "/bin/echo")
      << t.program();
}

}  // namespace
}  // namespace raven::tool
