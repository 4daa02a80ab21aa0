#include "llm/chat.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace raven::llm {
namespace {

using nlohmann::json;

ErrorKind kind_of(std::string_view body) {
  try {
    parse_response(body);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::fatal;  // "did not throw", distinct from what these tests expect
}

TEST(LlmChat, EncodesRolesToolCallsAndToolResults) {
  ChatRequest r;
  r.model = "m";
  r.messages = {Message::system("sys"), Message::user("hi"),
                Message::assistant("", {{"call_1", "lookup_order", R"({"order_id":"42"})"}}),
                Message::tool("call_1", "shipped"), Message::assistant("done")};
  r.tools = json::array({{{"type", "function"},
                          {"function", {{"name", "lookup_order"}, {"parameters", {{"type", "object"}}}}}}});
  r.tool_choice = "auto";
  r.max_tokens = 100;
  json j = json::parse(encode_request(r));
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["max_tokens"], 100);
  EXPECT_EQ(j["tool_choice"], "auto");
  EXPECT_EQ(j["tools"][0]["function"]["name"], "lookup_order");
  ASSERT_EQ(j["messages"].size(), 5u);
  EXPECT_EQ(j["messages"][0], (json{{"role", "system"}, {"content", "sys"}}));
  const json& call = j["messages"][2];
  EXPECT_EQ(call["role"], "assistant");
  EXPECT_TRUE(call["content"].is_null());
  EXPECT_EQ(call["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(call["tool_calls"][0]["type"], "function");
  EXPECT_EQ(call["tool_calls"][0]["function"]["arguments"], R"({"order_id":"42"})");
  EXPECT_EQ(j["messages"][3], (json{{"role", "tool"}, {"content", "shipped"}, {"tool_call_id", "call_1"}}));
  EXPECT_FALSE(j["messages"][4].contains("tool_calls"));
}

TEST(LlmChat, InvalidUtf8IsReplacedNotThrown) {
  ChatRequest r;
  r.model = "m";
  r.messages = {Message::user("caf\xe9 \xff\xfe ok")};
  std::string body;
  ASSERT_NO_THROW(body = encode_request(r));
  json j = json::parse(body);  // valid UTF-8 now
  EXPECT_EQ(j["messages"][0]["content"], "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd ok");
}

TEST(LlmChat, ParsesTextAndUsage) {
  auto r = parse_response(
      R"({"model":"gpt-x","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},
      "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})");
  EXPECT_EQ(r.content, "Hello");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.model, "gpt-x");
  EXPECT_EQ(r.usage.prompt_tokens, 12u);
  EXPECT_EQ(r.usage.completion_tokens, 3u);
  EXPECT_EQ(r.usage.total_tokens, 15u);
  EXPECT_TRUE(r.tool_calls.empty());
}

TEST(LlmChat, ParsesToolCallsInBothArgumentShapes) {
  auto r = parse_response(R"({"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
      {"type":"function","function":{"name":"g","arguments":{"y":[2]}}}]},"finish_reason":"tool_calls"}]})");
  EXPECT_EQ(r.content, "");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0], (ToolCall{"call_a", "f", R"({"x":1})"}));
  EXPECT_EQ(r.tool_calls[1].id, "call_2");  // synthesised: some servers omit it
  EXPECT_EQ(json::parse(r.tool_calls[1].arguments), (json{{"y", {2}}}));
  EXPECT_EQ(r.usage.total_tokens, 0u);  // no usage reported
}

TEST(LlmChat, UnusableBodiesArePermanent) {
  for (const char* body :
       {"", "<html>502 Bad Gateway</html>", "[1,2]", R"({"choices":[]})", R"({"id":"x"})",
        R"({"choices":[{"message":{"content":42}}]})", R"({"choices":[{"message":{"content":["a"]}}]})",
        R"({"choices":[{"finish_reason":"stop"}]})", R"({"choices":[{"message":{"tool_calls":{}}}]})",
        R"({"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]})",
        R"({"error":{"message":"overloaded"}})"}) {
    EXPECT_EQ(kind_of(body), ErrorKind::permanent) << body;
  }
}

TEST(LlmChat, NullContentWithoutToolCallsIsEmptyText) {
  auto r = parse_response(R"({"choices":[{"message":{"content":null},"finish_reason":"content_filter"}],
      "usage":{"prompt_tokens":null,"completion_tokens":-1}})");
  EXPECT_EQ(r.content, "");
  EXPECT_EQ(r.finish_reason, "content_filter");
  EXPECT_EQ(r.usage.prompt_tokens, 0u);
  EXPECT_EQ(r.usage.completion_tokens, 0u);
}

TEST(LlmChat, ErrorSummaryPrefersTheMessageAndRedactsTheKey) {
  EXPECT_EQ(error_summary(R"({"error":{"message":"Incorrect API key provided: sk-SECRET.","type":"x"}})",
                          "sk-SECRET"),
            "Incorrect API key provided: [redacted].");
  EXPECT_EQ(error_summary(R"({"error":"model not found"})", ""), "model not found");
  EXPECT_EQ(error_summary(R"({"message":"bad"})", ""), "bad");
  EXPECT_EQ(error_summary("line1\r\nline2", ""), "line1  line2");
  EXPECT_EQ(error_summary("", ""), "(empty body)");
  // Cut at the limit, on a UTF-8 boundary, and never leaving part of the key.
  std::string long_body(300, 'a');
  EXPECT_EQ(error_summary(long_body, "", 10), "aaaaaaaaaa...");
  EXPECT_EQ(error_summary("aaaaaaaaa\xc3\xa9", "", 10), "aaaaaaaaa...");
  EXPECT_EQ(error_summary("xxxxxxxxsk-SECRET", "sk-SECRET", 12), "xxxxxxxx[red...");
}

TEST(LlmChat, RedactReplacesEveryOccurrence) {
  EXPECT_EQ(redact("k k kk", "k"), "[redacted] [redacted] [redacted][redacted]");
  EXPECT_EQ(redact("abc", ""), "abc");
}

}  // namespace
}  // namespace raven::llm
