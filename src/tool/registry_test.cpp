// Registry: loading, what each sender is offered, call() from the model's
// raw name and argument text; and the OpenAI tools array.
#include "tool/registry.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "tool/render.hpp"
#include "tool/test_support.hpp"

namespace raven::tool {
namespace {

using nlohmann::json;
using testing::spec_running;

Config two_tools() {
  Spec lookup = spec_running({"/bin/echo", "order {x}"});
  lookup.name = "lookup_order";
  lookup.description = "Find an order.";
  lookup.parameters["properties"]["x"]["pattern"] = "^[0-9]{1,10}$";
  Spec refund = spec_running({"/bin/echo", "refund {x}"});
  refund.name = "refund";
  refund.description = "Refund an order.";
  refund.allow_senders = {"boss@example.com", "@staff.example.com"};
  return {lookup, refund};
}

std::vector<std::string> names(const std::vector<const Tool*>& tools) {
  std::vector<std::string> out;
  for (const Tool* t : tools) out.push_back(t->name());
  return out;
}

Context from(std::string sender) {
  return {std::move(sender), "<m@example.com>", "s"};
}

TEST(ToolRegistry, LoadsAndFinds) {
  const Registry r(two_tools());
  EXPECT_EQ(r.size(), 2u);
  ASSERT_NE(r.find("refund"), nullptr);
  EXPECT_EQ(r.find("refund")->name(), "refund");
  EXPECT_EQ(r.find("nope"), nullptr);
  EXPECT_TRUE(Registry().empty());
}

TEST(ToolRegistry, RefusesAnInvalidConfig) {
  Config tools = two_tools();
  tools[1].name = "lookup_order";
  try {
    Registry r(tools);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::fatal);
    EXPECT_STREQ(e.what(), "tools: [1].name: \"lookup_order\" is already the name of tools[0]");
  }
}

TEST(ToolRegistry, AllowSendersLimitsWhatIsOffered) {
  const Registry r(two_tools());
  EXPECT_EQ(names(r.allowed_for("alice@example.com")), std::vector<std::string>{"lookup_order"});
  EXPECT_EQ(names(r.allowed_for("Boss@Example.com")), (std::vector<std::string>{"lookup_order", "refund"}));
  EXPECT_EQ(names(r.allowed_for("eve@staff.example.com")),
            (std::vector<std::string>{"lookup_order", "refund"}));
  EXPECT_EQ(names(r.allowed_for("eve@evil-staff.example.com")), std::vector<std::string>{"lookup_order"});
}

TEST(ToolRegistry, CallRunsAnOfferedTool) {
  const Registry r(two_tools());
  const Result res = r.call("lookup_order", R"({"x":"42"})", from("alice@example.com"), {});
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.output, "order 42\n");
  EXPECT_EQ(tool_message(res), "exit status 0\n\norder 42\n");
}

TEST(ToolRegistry, ANotOfferedToolLooksUnknown) {
  const Registry r(two_tools());
  const Result denied = r.call("refund", R"({"x":"1"})", from("alice@example.com"), {});
  const Result unknown = r.call("rm_rf", R"({"x":"1"})", from("alice@example.com"), {});
  EXPECT_EQ(denied.status, Result::Status::refused);
  EXPECT_EQ(denied.error, "the tool did not run: there is no tool named \"refund\"");
  EXPECT_EQ(unknown.error, "the tool did not run: there is no tool named \"rm_rf\"");
  EXPECT_TRUE(r.call("refund", R"({"x":"1"})", from("boss@example.com"), {}).ok());
}

TEST(ToolRegistry, BadArgumentTextIsRefused) {
  const Registry r(two_tools());
  const Context c = from("alice@example.com");
  EXPECT_EQ(r.call("lookup_order", "{not json", c, {}).error,
            "the tool did not run: the arguments are not valid JSON");
  EXPECT_EQ(r.call("lookup_order", "[1]", c, {}).error,
            "the tool did not run: the arguments must be a JSON object");
  EXPECT_EQ(r.call("lookup_order", "", c, {}).error,
            "the tool did not run: invalid arguments: x: is required");
  EXPECT_EQ(r.call("lookup_order", R"({"x":"42; rm -rf /"})", c, {}).error,
            "the tool did not run: invalid arguments: x: must match the pattern ^[0-9]{1,10}$");
  EXPECT_EQ(r.call("lookup_order", std::string(kMaxArgumentsText + 1, ' '), c, {}).error,
            "the tool did not run: the arguments are too long");
  std::string deep(100, '[');
  deep = R"({"x":)" + deep + std::string(100, ']') + "}";
  EXPECT_EQ(r.call("lookup_order", deep, c, {}).error,
            "the tool did not run: the arguments are nested more than 32 levels deep");
  // A model-chosen name is quoted back bounded and without control characters.
  EXPECT_EQ(r.call(std::string(300, 'n') + "\n", "{}", c, {}).error,
            "the tool did not run: there is no tool named \"" + std::string(64, 'n') + "…\"");
}

TEST(ToolRender, OpenAiToolsArray) {
  const Registry r(two_tools());
  const json tools = openai_tools(r.allowed_for("boss@example.com"));
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0]["type"], "function");
  EXPECT_EQ(tools[0]["function"]["name"], "lookup_order");
  EXPECT_EQ(tools[0]["function"]["description"], "Find an order.");
  EXPECT_EQ(tools[0]["function"]["parameters"], r.find("lookup_order")->spec().parameters);
  EXPECT_EQ(openai_tools({}), json::array());
}

TEST(ToolRender, ToolMessageMarksStopsAndTruncation) {
  Result r;
  r.status = Result::Status::ran;
  r.exit_code = 0;
  r.output = "abc";
  r.output_bytes = 10;
  r.truncated = true;
  EXPECT_EQ(tool_message(r), "exit status 0\noutput truncated: showing the first 3 of 10 bytes\n\nabc");
  r.exit_code.reset();
  r.signal = 15;
  r.stopped = Stop::cancelled;
  r.truncated = false;
  EXPECT_EQ(tool_message(r),
            "killed by signal 15 (SIGTERM)\nstopped by Raven: Raven is shutting down\n\nabc");
  r.stderr_tail = "secret stack trace";
  EXPECT_EQ(tool_message(r).find("secret"), std::string::npos);
}

}  // namespace
}  // namespace raven::tool
