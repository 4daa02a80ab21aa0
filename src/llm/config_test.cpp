#include "llm/config.hpp"

#include <gtest/gtest.h>

#include "llm/client.hpp"

namespace raven::llm {
namespace {

Config valid() {
  Config c;
  c.base_url = "https://api.openai.com/v1";
  c.model = "gpt-4o-mini";
  return c;
}

// "field: message" for each problem, to compare in one line.
std::vector<std::string> fields(const Config& c) {
  std::vector<std::string> out;
  for (const auto& p : c.validate()) out.push_back(p.field);
  return out;
}

std::string first_message(const Config& c) {
  auto p = c.validate();
  return p.empty() ? "" : p.front().message;
}

TEST(LlmConfig, DefaultsAreValidWithUrlAndModel) {
  EXPECT_TRUE(valid().validate().empty());
  Config c;
  EXPECT_EQ(fields(c), (std::vector<std::string>{"base_url", "model"}));
}

TEST(LlmConfig, HttpOnlyToLoopbackUnlessAllowed) {
  for (const char* ok : {"http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1",
                         "http://127.1.2.3/v1", "HTTP://LOCALHOST/v1", "https://example.com/v1/"}) {
    Config c = valid();
    c.base_url = ok;
    EXPECT_TRUE(c.validate().empty()) << ok << ": " << first_message(c);
  }
  for (const char* bad : {"http://example.com/v1", "http://10.0.0.1:8080/v1", "http://127.0.0.1.example.com/",
                          "http://128.0.0.1/", "http://[::2]/"}) {
    Config c = valid();
    c.base_url = bad;
    EXPECT_EQ(fields(c), std::vector<std::string>{"base_url"}) << bad;
    EXPECT_NE(first_message(c).find("allow_insecure_http: true"), std::string::npos) << bad;
    c.allow_insecure_http = true;
    EXPECT_TRUE(c.validate().empty()) << bad;
  }
}

TEST(LlmConfig, RejectsOtherSchemesCredentialsQueriesAndBadPorts) {
  for (const char* bad :
       {"ftp://example.com/", "example.com/v1", "https://", "https://user:pw@example.com/v1",
        "https://example.com:0/v1", "https://example.com:99999/", "https://example.com/v1?x=1",
        "https://exa mple.com/"}) {
    Config c = valid();
    c.base_url = bad;
    EXPECT_EQ(fields(c), std::vector<std::string>{"base_url"}) << bad;
  }
}

TEST(LlmConfig, NoLineBreaksInWhatReachesHeaders) {
  Config c = valid();
  c.base_url = "https://example.com/v1\r\nX-Evil: 1";
  c.api_key = "sk-123\nX-Evil: 1";
  c.model = "gpt\r\n";
  EXPECT_EQ(fields(c), (std::vector<std::string>{"base_url", "api_key", "model"}));
  // The system prompt travels JSON-escaped: several lines are fine.
  Config p = valid();
  p.system_prompt = "You answer email.\nBe brief.\r\n";
  EXPECT_TRUE(p.validate().empty());
}

TEST(LlmConfig, LimitsAndBackoff) {
  Config c = valid();
  c.timeout = std::chrono::milliseconds(0);
  c.connect_timeout = std::chrono::milliseconds(-1);
  c.max_response_bytes = 10;
  c.temperature = 3.0;
  c.retry_backoff.multiplier = 0.5;
  c.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(fields(c),
            (std::vector<std::string>{"temperature", "timeout", "connect_timeout", "max_response_bytes",
                                      "retry_backoff.multiplier", "ca_file"}));
}

TEST(LlmConfig, ToolRoundsDefaultToEightAndAreBounded) {
  Config c = valid();
  EXPECT_EQ(c.max_tool_rounds, 8u);
  c.max_tool_rounds = 0;  // tools never offered
  EXPECT_TRUE(c.validate().empty());
  c.max_tool_rounds = kMaxToolRoundsLimit;
  EXPECT_TRUE(c.validate().empty());
  c.max_tool_rounds = kMaxToolRoundsLimit + 1;
  EXPECT_EQ(fields(c), std::vector<std::string>{"max_tool_rounds"});
}

TEST(LlmConfig, EndpointJoinsWithoutDoubleSlash) {
  Config c = valid();
  EXPECT_EQ(c.endpoint(), "https://api.openai.com/v1/chat/completions");
  c.base_url = "http://127.0.0.1:8080/v1/";
  EXPECT_EQ(c.endpoint(), "http://127.0.0.1:8080/v1/chat/completions");
}

TEST(LlmConfig, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.255.254"));
  EXPECT_TRUE(is_loopback_host("LocalHost"));
  EXPECT_FALSE(is_loopback_host("localhost."));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_FALSE(is_loopback_host("127.0.0"));
  EXPECT_FALSE(is_loopback_host("127.0.0.256"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1."));
  EXPECT_FALSE(is_loopback_host("localhost.example.com"));
  EXPECT_FALSE(is_loopback_host("[::ffff:127.0.0.1]"));
}

TEST(LlmConfig, MakeRequestAddsPromptModelAndLimits) {
  Config c = valid();
  c.system_prompt = "Be kind.";
  c.temperature = 0.2;
  ChatRequest r = make_request(c, "From: a@example.com\nSubject: Hi\n\nHello");
  EXPECT_EQ(r.model, "gpt-4o-mini");
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, Role::system);
  EXPECT_EQ(r.messages[0].content, "Be kind.");
  EXPECT_EQ(r.messages[1].role, Role::user);
  EXPECT_EQ(r.max_tokens, 1024u);
  EXPECT_EQ(r.temperature, 0.2);

  c.system_prompt.clear();
  c.max_tokens = 0;
  c.temperature.reset();
  r = make_request(c, "x");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_FALSE(r.max_tokens);
  EXPECT_FALSE(r.temperature);
  auto j = to_json(r);
  EXPECT_FALSE(j.contains("max_tokens"));
  EXPECT_FALSE(j.contains("temperature"));
  EXPECT_FALSE(j.contains("tools"));
}

TEST(LlmConfig, ClientRejectsInvalidConfig) {
  SystemClock clock;
  EXPECT_THROW(Client(Config{}, log::Logger(), clock), std::invalid_argument);
}

}  // namespace
}  // namespace raven::llm
