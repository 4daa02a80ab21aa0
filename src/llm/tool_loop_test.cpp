// The tool-call loop with a scripted fake model and a fake executor: rounds,
// the cap and its tool_choice "none", garbage calls answered (never thrown),
// the per-round cap, usage summed, what is logged. No network, no processes.
#include "llm/tool_loop.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "common/error.hpp"
#include "log/capture_sink.hpp"

namespace raven::llm {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using Capture = log::CaptureSink;

json definitions(std::initializer_list<const char*> names) {
  json out = json::array();
  for (const char* n : names) {
    out.push_back({{"type", "function"},
                   {"function",
                    {{"name", n},
                     {"description", "d"},
                     {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}});
  }
  return out;
}

ChatResponse text(std::string content, std::uint64_t prompt = 10, std::uint64_t completion = 2) {
  ChatResponse r;
  r.content = std::move(content);
  r.finish_reason = "stop";
  r.usage = {prompt, completion, prompt + completion};
  return r;
}

ChatResponse calls(std::vector<ToolCall> c, std::uint64_t prompt = 10, std::uint64_t completion = 5) {
  ChatResponse r;
  r.tool_calls = std::move(c);
  r.finish_reason = "tool_calls";
  r.usage = {prompt, completion, prompt + completion};
  return r;
}

tool::Result ran(std::string output, int exit = 0) {
  tool::Result r;
  r.status = tool::Result::Status::ran;
  r.exit_code = exit;
  r.output = output;
  r.output_bytes = output.size();
  r.duration = 12ms;
  return r;
}

// A model that answers from a script (the last entry repeats) and keeps
// every request it was sent.
struct FakeModel {
  std::vector<ChatResponse> script;
  std::vector<ChatRequest> requests;
  // When set, a request with tool_choice "none" gets this instead.
  std::optional<ChatResponse> when_none;

  Complete fn() {
    return [this](const ChatRequest& r, std::stop_token) {
      requests.push_back(r);
      if (when_none && r.tool_choice == "none") return *when_none;
      const std::size_t i = std::min(requests.size() - 1, script.size() - 1);
      return script[i];
    };
  }
};

struct FakeTools {
  std::vector<ToolCall> seen;
  std::function<tool::Result(const ToolCall&)> answer = [](const ToolCall& c) {
    return ran("result of " + c.name);
  };

  Tools tools(json defs) {
    Tools t;
    t.definitions = std::move(defs);
    t.execute = [this](const ToolCall& c, std::stop_token) {
      seen.push_back(c);
      return answer(c);
    };
    return t;
  }
};

ChatRequest start() {
  ChatRequest r;
  r.model = "m";
  r.messages = {Message::system("sys"), Message::user("Where is order 42?")};
  return r;
}

class LlmToolLoop : public ::testing::Test {
 protected:
  LlmToolLoop()
      : capture(std::make_shared<Capture>()), logger({log::Level::debug, log::Format::text}, capture) {}

  Conversation run(const Tools& tools, ToolLoopOptions options = {}, std::stop_token stop = {}) {
    return converse(model.fn(), start(), tools, options, logger, stop);
  }

  FakeModel model;
  FakeTools executor;
  std::shared_ptr<Capture> capture;
  log::Logger logger;
};

TEST_F(LlmToolLoop, WithoutToolsItIsOneRequestWithoutAToolsField) {
  model.script = {text("Hello")};
  for (const json& defs : {json(), json::array()}) {
    model.requests.clear();
    auto c = run(executor.tools(defs));
    EXPECT_EQ(c.response.content, "Hello");
    EXPECT_EQ(c.requests, 1u);
    ASSERT_EQ(model.requests.size(), 1u);
    EXPECT_TRUE(model.requests[0].tools.is_null());
    EXPECT_TRUE(model.requests[0].tool_choice.is_null());
    EXPECT_FALSE(json::parse(encode_request(model.requests[0])).contains("tools"));
  }
  // max_rounds 0: tools are never offered.
  model.requests.clear();
  auto c = run(executor.tools(definitions({"lookup_order"})), {.max_rounds = 0});
  ASSERT_EQ(model.requests.size(), 1u);
  EXPECT_TRUE(model.requests[0].tools.is_null());
  EXPECT_TRUE(executor.seen.empty());
}

TEST_F(LlmToolLoop, RunsTheCallAndAsksAgainWithItsResult) {
  model.script = {calls({{"call_a", "lookup_order", R"({"order_id":"42"})"}}), text("Order 42 has shipped.")};
  executor.answer = [](const ToolCall&) { return ran("order 42: shipped\n"); };
  auto c = run(executor.tools(definitions({"lookup_order", "opening_hours"})));

  EXPECT_EQ(c.response.content, "Order 42 has shipped.");
  EXPECT_EQ(c.rounds, 1u);
  EXPECT_EQ(c.requests, 2u);
  EXPECT_EQ(c.tool_calls, 1u);
  EXPECT_EQ(c.tools_run, 1u);
  EXPECT_FALSE(c.capped);
  ASSERT_EQ(executor.seen.size(), 1u);
  EXPECT_EQ(executor.seen[0], (ToolCall{"call_a", "lookup_order", R"({"order_id":"42"})"}));

  ASSERT_EQ(model.requests.size(), 2u);
  for (const auto& r : model.requests) {
    EXPECT_EQ(r.tools, definitions({"lookup_order", "opening_hours"}));
    EXPECT_EQ(r.tool_choice, "auto");
  }
  const auto& m = model.requests[1].messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[2].role, Role::assistant);
  EXPECT_EQ(m[2].tool_calls, model.script[0].tool_calls);
  EXPECT_EQ(m[3].role, Role::tool);
  EXPECT_EQ(m[3].tool_call_id, "call_a");
  EXPECT_EQ(m[3].content, "exit status 0\n\norder 42: shipped\n");
}

TEST_F(LlmToolLoop, UsageIsSummedOverEveryRequest) {
  model.script = {calls({{"c1", "t", "{}"}}, 100, 7), calls({{"c1", "t", "{}"}}, 150, 8),
                  text("done", 200, 9)};
  auto c = run(executor.tools(definitions({"t"})));
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.rounds, 2u);
  EXPECT_EQ(c.usage.prompt_tokens, 450u);
  EXPECT_EQ(c.usage.completion_tokens, 24u);
  EXPECT_EQ(c.usage.total_tokens, 474u);
  EXPECT_EQ(c.response.usage.total_tokens, 209u) << "the last response keeps its own usage";
}

TEST_F(LlmToolLoop, AModelThatCallsForeverIsCappedThenAskedWithToolChoiceNone) {
  model.script = {calls({{"c1", "t", "{}"}})};  // repeats forever
  model.when_none = text("Here is what I found.");
  auto c = run(executor.tools(definitions({"t"})), {.max_rounds = 3});
  EXPECT_EQ(executor.seen.size(), 3u);
  EXPECT_EQ(c.rounds, 3u);
  EXPECT_EQ(c.requests, 4u);
  EXPECT_TRUE(c.capped);
  EXPECT_EQ(c.response.content, "Here is what I found.");
  ASSERT_EQ(model.requests.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(model.requests[i].tool_choice, "auto") << i;
  EXPECT_EQ(model.requests[3].tool_choice, "none");
  EXPECT_FALSE(model.requests[3].tools.is_null()) << "tool_choice needs the tools beside it";
  // system, user, then 3 × (assistant, tool).
  EXPECT_EQ(model.requests[3].messages.size(), 8u);
  EXPECT_NE(capture->all().find("tool rounds used up"), std::string::npos);
}

TEST_F(LlmToolLoop, AServerIgnoringToolChoiceNoneStillEnds) {
  ChatResponse both = calls({{"c1", "t", "{}"}});
  both.content = "partial text";
  model.script = {both};
  auto c = run(executor.tools(definitions({"t"})), {.max_rounds = 2});
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(executor.seen.size(), 2u);
  EXPECT_TRUE(c.capped);
  EXPECT_TRUE(c.response.tool_calls.empty());
  EXPECT_EQ(c.response.content, "partial text");
}

TEST_F(LlmToolLoop, GarbageCallsAreAnsweredWithErrorsAndNothingRuns) {
  model.script = {calls({
                      {"c1", "rm_rf", "{}"},                           // not offered
                      {"c2", "t", "{not json"},                        // invalid JSON
                      {"c3", "t", "[1,2]"},                            // not an object
                      {"c4", "t", "\"text\""},                         // not an object
                      {"c5", "t", std::string(2u << 20, ' ') + "{}"},  // too long
                      {"c6", "t", R"({"x":1})"},                       // fine
                      {"c6", "t", R"({"x":2})"},                       // duplicate id
                      {"", "t", R"({"x":3})"},                         // no id
                      {"c9", "", "{}"},                                // no name
                      {"c10", "t", ""},                                // empty arguments: {}
                      {"c11", "t\nINJECTED", "{}"},                    // a control character in the name
                  }),
                  text("Sorry.")};
  Conversation c;
  ASSERT_NO_THROW(c = run(executor.tools(definitions({"t"}))));
  EXPECT_EQ(c.response.content, "Sorry.");
  EXPECT_EQ(c.tool_calls, 11u);
  ASSERT_EQ(executor.seen.size(), 2u);
  EXPECT_EQ(executor.seen[0].id, "c6");
  EXPECT_EQ(executor.seen[0].arguments, R"({"x":1})");
  EXPECT_EQ(executor.seen[1].id, "c10");

  const auto& m = model.requests.at(1).messages;
  ASSERT_EQ(m.size(), 2u + 1u + 11u);
  const auto& echoed = m[2].tool_calls;
  ASSERT_EQ(echoed.size(), 11u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_TRUE(ids.insert(echoed[i].id).second) << "id " << echoed[i].id << " twice";
    EXPECT_FALSE(echoed[i].id.empty());
    EXPECT_EQ(m[3 + i].role, Role::tool);
    EXPECT_EQ(m[3 + i].tool_call_id, echoed[i].id) << "one tool message per call, in order";
  }
  auto content = [&](std::size_t i) { return m[3 + i].content; };
  EXPECT_EQ(content(0), "error: the tool did not run: there is no tool named \"rm_rf\"");
  EXPECT_EQ(content(1), "error: the tool did not run: the arguments are not valid JSON");
  EXPECT_EQ(content(2), "error: the tool did not run: the arguments must be a JSON object");
  EXPECT_EQ(content(3), "error: the tool did not run: the arguments must be a JSON object");
  EXPECT_EQ(content(4), "error: the tool did not run: the arguments are too long");
  EXPECT_EQ(content(5), "exit status 0\n\nresult of t");
  EXPECT_TRUE(
      content(6).starts_with("error: the tool did not run: another call in this turn has the same id"))
      << content(6);
  EXPECT_EQ(content(7), "error: the tool did not run: the call has no id");
  EXPECT_EQ(content(8), "error: the tool did not run: there is no tool named \"\"");
  EXPECT_EQ(content(9), "exit status 0\n\nresult of t");
  EXPECT_EQ(content(10), "error: the tool did not run: there is no tool named \"t?INJECTED\"");
  EXPECT_EQ(capture->all().find("t\nINJECTED"), std::string::npos);
}

TEST_F(LlmToolLoop, AtMostSixteenCallsRunPerRound) {
  std::vector<ToolCall> many;
  for (int i = 0; i < 20; ++i) many.push_back({"c" + std::to_string(i), "t", "{}"});
  model.script = {calls(many), text("ok")};
  auto c = run(executor.tools(definitions({"t"})));
  EXPECT_EQ(executor.seen.size(), kMaxToolCallsPerRound);
  EXPECT_EQ(c.tool_calls, 20u);
  const auto& m = model.requests.at(1).messages;
  ASSERT_EQ(m.size(), 3u + 20u);
  EXPECT_EQ(m[3 + 15].content, "exit status 0\n\nresult of t");
  EXPECT_TRUE(
      m[3 + 16].content.starts_with("error: the tool did not run: at most 16 tool calls are run per turn"))
      << m[3 + 16].content;
  EXPECT_EQ(m[3 + 19].tool_call_id, "c19");
}

TEST_F(LlmToolLoop, ToolResultsOfEveryKindReachTheModel) {
  model.script = {calls({{"c1", "t", "{}"}, {"c2", "t", "{}"}, {"c3", "t", "{}"}}), text("ok")};
  executor.answer = [](const ToolCall& call) {
    if (call.id == "c1") {
      tool::Result r;
      r.status = tool::Result::Status::refused;
      r.error = "the tool did not run: x: must match the pattern ^[0-9]+$";
      return r;
    }
    if (call.id == "c2") {
      tool::Result r = ran("partial", 0);
      r.exit_code.reset();
      r.signal = 9;
      r.stopped = tool::Stop::timeout;
      return r;
    }
    throw std::runtime_error("boom");
  };
  Conversation c;
  ASSERT_NO_THROW(c = run(executor.tools(definitions({"t"}))));
  const auto& m = model.requests.at(1).messages;
  EXPECT_EQ(m[3].content, "error: the tool did not run: x: must match the pattern ^[0-9]+$");
  EXPECT_TRUE(m[4].content.starts_with("killed by signal 9 (SIGKILL)\nstopped by Raven")) << m[4].content;
  EXPECT_EQ(m[5].content, "error: the tool did not run: Raven could not start it");
}

TEST_F(LlmToolLoop, LogsEachCallWithArgumentNamesNeverValues) {
  model.script = {calls({{"c1", "lookup_order", R"({"order_id":"hunter2-secret","note":"sk-live-XYZ"})"}}),
                  text("ok")};
  executor.answer = [](const ToolCall&) {
    tool::Result r = ran("order: shipped to 1 Secret Road");
    r.stderr_tail = "warning: slow disk";
    r.truncated = true;
    r.output_bytes = 99999;
    return r;
  };
  run(executor.tools(definitions({"lookup_order"})));
  const std::string logged = capture->all();
  EXPECT_EQ(logged.find("hunter2"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("sk-live"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("Secret Road"), std::string::npos) << "tool output is not logged";
  std::string line;
  for (const auto& l : capture->lines()) {
    if (l.find("msg=\"tool called\"") != std::string::npos) line = l;
  }
  ASSERT_FALSE(line.empty()) << logged;
  for (const char* part : {"tool=lookup_order", "call_id=c1", "arguments=note,order_id", "status=ran",
                           "exit=0", "duration=12ms", "bytes_out=99999", "truncated=true"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
  }
  EXPECT_NE(logged.find("level=debug msg=\"tool stderr\""), std::string::npos);
  EXPECT_NE(logged.find("warning: slow disk"), std::string::npos);
}

TEST_F(LlmToolLoop, AStopDuringARoundEndsTheConversation) {
  std::stop_source stop;
  model.script = {calls({{"c1", "t", "{}"}}), text("never")};
  executor.answer = [&stop](const ToolCall&) {
    stop.request_stop();  // as the shutdown timeout would, while the tool runs
    tool::Result r;
    r.status = tool::Result::Status::failed;
    r.error = "the tool did not run: Raven is shutting down";
    return r;
  };
  try {
    run(executor.tools(definitions({"t"})), {}, stop.get_token());
    FAIL() << "did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::transient);
    EXPECT_STREQ(e.what(), "llm: cancelled");
  }
  EXPECT_EQ(model.requests.size(), 1u);
}

TEST_F(LlmToolLoop, ErrorsFromTheModelPropagate) {
  Complete failing = [](const ChatRequest&, std::stop_token) -> ChatResponse {
    throw Error(ErrorKind::permanent, "llm: HTTP 400: bad");
  };
  EXPECT_THROW(converse(failing, start(), executor.tools(definitions({"t"})), {}, logger, {}), Error);
}

}  // namespace
}  // namespace raven::llm
