// llm::Client against the real LLM stand-in (tests/support/llm_standin.py)
// over real loopback sockets. Timing assertions are lower bounds or generous
// upper bounds only (DESIGN.md: tests never assert tight timings).
#include "llm/client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/fake_clock.hpp"
#include "fixture/tls_material.hpp"
#include "llm_standin.hpp"
#include "log/capture_sink.hpp"

namespace raven::llm {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::LlmStandin;
using testing::LlmStandinOptions;
using Steady = std::chrono::steady_clock;

using Capture = log::CaptureSink;

// The error complete() throws, or a default-constructed marker if it did not.
struct Outcome {
  bool threw = false;
  ErrorKind kind = ErrorKind::fatal;
  std::string what;
  ChatResponse response;
};

class LlmClient : public ::testing::Test {
 protected:
  Config config_for(const LlmStandin& s) const {
    Config c;
    c.base_url = s.base_url();
    c.model = "standin-model";
    c.system_prompt = "You answer email for Example Corp.";
    c.timeout = 10s;
    c.connect_timeout = 2s;
    c.retry_backoff = {.initial = 10ms, .max = 50ms};
    return c;
  }

  Outcome run(Client& client, const std::string& user_turn, std::stop_token stop = {}) {
    return run(client, make_request(client.config(), user_turn), std::move(stop));
  }
  static Outcome run(Client& client, const ChatRequest& request, std::stop_token stop = {}) {
    Outcome o;
    try {
      o.response = client.complete(request, std::move(stop));
    } catch (const Error& e) {
      o.threw = true;
      o.kind = e.kind();
      o.what = e.what();
    }
    return o;
  }

  static double seconds_since(Steady::time_point t0) {
    return std::chrono::duration<double>(Steady::now() - t0).count();
  }

  std::shared_ptr<Capture> sink_ = std::make_shared<Capture>();
  log::Logger logger_{{log::Level::debug, log::Format::text}, sink_};
  SystemClock clock_;
};

TEST_F(LlmClient, PlainAnswerEchoesTheSubjectAndLogsUsageNotContent) {
  LlmStandin s;
  Client client(config_for(s), logger_, clock_);
  auto o = run(client, "From: alice@example.com\nSubject: Your order 1234\n\nWhere is my parcel?");
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.content, "Thanks for your message about Your order 1234");
  EXPECT_EQ(o.response.finish_reason, "stop");
  EXPECT_EQ(o.response.attempts, 1u);
  EXPECT_GT(o.response.usage.prompt_tokens, 0u);
  EXPECT_GT(o.response.usage.completion_tokens, 0u);
  EXPECT_EQ(o.response.usage.total_tokens,
            o.response.usage.prompt_tokens + o.response.usage.completion_tokens);

  json log = s.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["path"], "/v1/chat/completions");
  EXPECT_EQ(log[0]["model"], "standin-model");
  EXPECT_EQ(log[0]["messages"], 2);
  EXPECT_EQ(log[0]["tools"], false);
  EXPECT_EQ(log[0]["body"]["max_tokens"], 1024);
  EXPECT_EQ(log[0]["body"]["messages"][0]["role"], "system");
  EXPECT_EQ(log[0]["headers"]["Content-Type"], "application/json");
  EXPECT_FALSE(log[0]["headers"].contains("Authorization"));  // no key configured

  const std::string lines = sink_->all();
  EXPECT_NE(lines.find("msg=\"llm answered\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("prompt_tokens="), std::string::npos) << lines;
  EXPECT_NE(lines.find("completion_tokens="), std::string::npos) << lines;
  EXPECT_NE(lines.find("attempt=1"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("parcel"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("Thanks for your message"), std::string::npos) << lines;
}

TEST_F(LlmClient, BearerKeyIsSentAndAWrongOneIsFatalWithoutTheKey) {
  LlmStandin s({.api_key = "sk-right-KEY-123"});
  Config good = config_for(s);
  good.api_key = "sk-right-KEY-123";
  Client ok_client(good, logger_, clock_);
  auto ok = run(ok_client, "Subject: hi");
  ASSERT_FALSE(ok.threw) << ok.what;

  Config bad = good;
  bad.api_key = "sk-wrong-KEY-456";
  Client bad_client(bad, logger_, clock_);
  auto o = run(bad_client, "Subject: hi");
  ASSERT_TRUE(o.threw);
  // Not the message's fault: stop and keep it, rather than fail every mail.
  EXPECT_EQ(o.kind, ErrorKind::fatal);
  EXPECT_NE(o.what.find("401"), std::string::npos) << o.what;
  EXPECT_NE(o.what.find("Incorrect API key"), std::string::npos) << o.what;
  EXPECT_NE(o.what.find("check llm.api_key"), std::string::npos) << o.what;
  // The stand-in echoes the key it got, as a careless server might.
  EXPECT_EQ(o.what.find("sk-wrong-KEY-456"), std::string::npos) << o.what;

  json log = s.requests();
  ASSERT_EQ(log.size(), 2u);  // a 401 is not retried
  EXPECT_EQ(log[0]["auth"], "ok");
  EXPECT_EQ(log[1]["auth"], "bad");
  const std::string lines = sink_->all();
  EXPECT_EQ(lines.find("sk-right-KEY-123"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("sk-wrong-KEY-456"), std::string::npos) << lines;
}

TEST_F(LlmClient, ForbiddenAndNotFoundAreFatalToo) {
  for (int status : {403, 404}) {
    LlmStandin s({.script = json::array({{{"status", status}, {"body", {{"error", {{"message", "nope"}}}}}}})});
    Client client(config_for(s), logger_, clock_);
    auto o = run(client, "Subject: x");
    ASSERT_TRUE(o.threw) << status;
    EXPECT_EQ(o.kind, ErrorKind::fatal) << status << " " << o.what;
    EXPECT_EQ(s.requests().size(), 1u) << "not retried";
  }
}

TEST_F(LlmClient, CheckListsModelsWithTheKeyAndCostsNoTokens) {
  LlmStandin s({.api_key = "sk-right-KEY-123"});
  Config good = config_for(s);
  good.api_key = "sk-right-KEY-123";
  Client ok_client(good, logger_, clock_);
  EXPECT_FALSE(ok_client.check()) << ok_client.check()->what();

  Config bad = good;
  bad.api_key = "sk-wrong-KEY-456";
  Client bad_client(bad, logger_, clock_);
  auto problem = bad_client.check();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->kind(), ErrorKind::fatal);
  EXPECT_NE(std::string(problem->what()).find("401"), std::string::npos) << problem->what();
  EXPECT_EQ(std::string(problem->what()).find("sk-wrong-KEY-456"), std::string::npos) << problem->what();
  json log = s.requests();
  ASSERT_EQ(log.size(), 2u);  // GET /models only: no chat request, no tokens
  EXPECT_EQ(log[0]["outcome"], "models") << log;
  EXPECT_EQ(log[1]["auth"], "bad") << log;
  for (const auto& entry : log) EXPECT_EQ(entry["method"], "GET") << entry;
}

TEST_F(LlmClient, CheckOfAServerThatIsDownIsTransient) {
  Config c;
  {
    LlmStandin s;
    c = config_for(s);
  }  // stopped: its port refuses connections now
  Client client(c, logger_, clock_);
  auto problem = client.check();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->kind(), ErrorKind::transient) << problem->what();
}

TEST_F(LlmClient, TwoServerErrorsThenSuccessOnTheThirdAttempt) {
  LlmStandin s(
      {.script = json::array({{{"status", 500}, {"repeat", 2}}, {{"content", "third time lucky"}}})});
  Client client(config_for(s), logger_, clock_);
  auto o = run(client, "Subject: retry me");
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.content, "third time lucky");
  EXPECT_EQ(o.response.attempts, 3u);
  EXPECT_EQ(s.requests().size(), 3u);
  const std::string lines = sink_->all();
  EXPECT_NE(lines.find("\"llm: HTTP 500: scripted error 500\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("attempt=3"), std::string::npos) << lines;
}

TEST_F(LlmClient, ServerErrorsBeyondMaxRetriesAreTransient) {
  LlmStandin s({.script = json::array({{{"status", 503}}})});
  Config c = config_for(s);
  c.max_retries = 2;
  Client client(c, logger_, clock_);
  auto o = run(client, "Subject: x");
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::transient);
  EXPECT_NE(o.what.find("HTTP 503"), std::string::npos) << o.what;
  EXPECT_NE(o.what.find("after 3 attempts"), std::string::npos) << o.what;
  EXPECT_EQ(s.requests().size(), 3u);
}

TEST_F(LlmClient, OtherClientErrorsArePermanentAndNotRetried) {
  LlmStandin s({.script = json::array(
                    {{{"status", 400}, {"body", {{"error", {{"message", "max_tokens is too large"}}}}}}})});
  Client client(config_for(s), logger_, clock_);
  auto o = run(client, "Subject: x");
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::permanent);
  EXPECT_EQ(o.what, "llm: HTTP 400: max_tokens is too large");
  EXPECT_EQ(s.requests().size(), 1u);
}

TEST_F(LlmClient, TooManyRequestsHonoursRetryAfterSeconds) {
  LlmStandin s({.script = json::array({{{"status", 429}, {"retry_after", 1}}, {{"content", "ok"}}})});
  Client client(config_for(s), logger_, clock_);
  const auto t0 = Steady::now();
  auto o = run(client, "Subject: x");
  const double took = seconds_since(t0);
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.attempts, 2u);
  EXPECT_GE(took, 1.0);  // the backoff alone would have waited 10 ms
  EXPECT_NE(sink_->all().find("delay=1s"), std::string::npos) << sink_->all();
}

// The waits run on the injected clock: a FakeClock shows the exact delay
// chosen without a test that sleeps for it.
TEST_F(LlmClient, RetryAfterHttpDateAndTheCapOnAFakeClock) {
  LlmStandin s({.script = json::array({{{"status", 503}, {"retry_after_date", 30}},
                                       {{"status", 429}, {"retry_after", 3600}},
                                       {{"content", "finally"}}})});
  FakeClock fake;
  Config c = config_for(s);
  c.max_retry_after = 45s;
  Client client(c, logger_, fake);
  auto result = std::async(std::launch::async, [&] { return run(client, "Subject: x"); });

  fake.wait_for_sleepers(1);  // asleep after the 503
  const std::string first = sink_->all();
  // An HTTP-date has one-second resolution: 29 or 30 seconds from now.
  EXPECT_TRUE(first.find("delay=29s") != std::string::npos || first.find("delay=30s") != std::string::npos)
      << first;
  fake.advance(31s);
  // Then 3600 s is asked for and capped at max_retry_after.
  while (sink_->all().find("delay=45s") == std::string::npos &&
         result.wait_for(10ms) != std::future_status::ready) {
  }
  EXPECT_NE(sink_->all().find("delay=45s"), std::string::npos) << sink_->all();
  fake.advance(45s);
  ASSERT_EQ(result.wait_for(20s), std::future_status::ready);
  auto o = result.get();
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.content, "finally");
  EXPECT_EQ(o.response.attempts, 3u);
}

TEST_F(LlmClient, HangPastTheTimeoutIsTransient) {
  LlmStandin s({.script = json::array({{{"hang", true}}})});
  Config c = config_for(s);
  c.timeout = 1s;
  c.max_retries = 1;
  Client client(c, logger_, clock_);
  const auto t0 = Steady::now();
  auto o = run(client, "Subject: x");
  const double took = seconds_since(t0);
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::transient);
  EXPECT_NE(o.what.find("timed out"), std::string::npos) << o.what;
  EXPECT_GE(took, 2.0);        // two attempts of 1 s each
  EXPECT_LT(took, 2.0 + 5.0);  // plus a generous margin
  EXPECT_EQ(s.requests().size(), 2u);
}

TEST_F(LlmClient, StopDuringAHangReturnsWithinAboutASecond) {
  LlmStandin s({.script = json::array({{{"hang", true}}})});
  Config c = config_for(s);
  c.timeout = 60s;
  Client client(c, logger_, clock_);
  std::stop_source stop;
  std::atomic<Steady::time_point> stopped_at{};
  std::jthread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stopped_at = Steady::now();
    stop.request_stop();
  });
  auto o = run(client, "Subject: x", stop.get_token());
  const double after_stop = seconds_since(stopped_at.load());
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::transient);
  EXPECT_EQ(o.what, "llm: cancelled");
  // libcurl checks the progress callback about once per second.
  EXPECT_LT(after_stop, 2.5);
  EXPECT_EQ(s.requests().size(), 1u);
}

TEST_F(LlmClient, StopDuringTheBackoffWaitReturnsAtOnce) {
  LlmStandin s({.script = json::array({{{"status", 500}}})});
  Config c = config_for(s);
  c.retry_backoff = {.initial = 60s, .max = 60s};
  Client client(c, logger_, clock_);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stop.request_stop();
  });
  const auto t0 = Steady::now();
  auto o = run(client, "Subject: x", stop.get_token());
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.what, "llm: cancelled");
  EXPECT_LT(seconds_since(t0), 5.0);
}

// A body cut short (Content-Length promises more, then the connection closes)
// is a network failure, not the server's answer: retried, and transient once
// the retries are spent.
TEST_F(LlmClient, TruncatedBodyIsRetriedThenTransient) {
  LlmStandin s({.script = json::array({{{"truncate", true}}, {{"content", "whole"}}})});
  Client client(config_for(s), logger_, clock_);
  auto o = run(client, "Subject: x");
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.content, "whole");
  EXPECT_EQ(o.response.attempts, 2u);

  s.set_script(json::array({{{"truncate", true}}}));
  Config c = config_for(s);
  c.max_retries = 2;
  Client always_cut(c, logger_, clock_);
  o = run(always_cut, "Subject: x");
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::transient) << o.what;
  EXPECT_EQ(s.requests().size(), 2u + 3u);
}

TEST_F(LlmClient, GarbageEmptyChoicesAndNonStringContentArePermanent) {
  LlmStandin s;
  Client client(config_for(s), logger_, clock_);
  for (const json& entry : {json{{"garbage", true}}, json{{"empty_choices", true}},
                            json{{"json", {{"choices", {{{"message", {{"content", {{"a", 1}}}}}}}}}}}}) {
    s.reset();  // clears the request log
    s.set_script(json::array({entry}));
    auto o = run(client, "Subject: x");
    ASSERT_TRUE(o.threw) << entry;
    EXPECT_EQ(o.kind, ErrorKind::permanent) << entry << " " << o.what;
    EXPECT_NE(o.what.find("unusable response"), std::string::npos) << o.what;
    EXPECT_EQ(s.requests().size(), 1u) << entry;  // not retried
  }
}

// Waits until the stand-in has recorded how much of an oversized body it sent.
json bytes_sent(LlmStandin& s) {
  for (int i = 0; i < 250; ++i) {
    json log = s.requests();
    if (!log.empty() && log.back().contains("bytes_sent")) return log.back()["bytes_sent"];
    std::this_thread::sleep_for(20ms);
  }
  return nullptr;
}

TEST_F(LlmClient, OversizedBodyIsPermanentAndReadingStopsEarly) {
  constexpr std::int64_t kHuge = std::int64_t{256} << 20;  // 256 MiB offered
  for (bool chunked : {false, true}) {
    LlmStandin s({.script = json::array({{{"oversize", kHuge}, {"chunked", chunked}}})});
    Config c = config_for(s);
    c.max_response_bytes = 64 * 1024;
    Client client(c, logger_, clock_);
    auto o = run(client, "Subject: x");
    ASSERT_TRUE(o.threw) << "chunked=" << chunked;
    EXPECT_EQ(o.kind, ErrorKind::permanent) << o.what;
    EXPECT_NE(o.what.find("response larger than 65536 bytes"), std::string::npos) << o.what;
    EXPECT_EQ(s.requests().size(), 1u);
    // The client stopped reading: the server could push only what the socket
    // buffers hold, never the whole body (which would have to be held in memory).
    json sent = bytes_sent(s);
    ASSERT_TRUE(sent.is_number()) << "chunked=" << chunked;
    EXPECT_LT(sent.get<std::int64_t>(), std::int64_t{32} << 20) << "chunked=" << chunked;
  }
}

TEST_F(LlmClient, ToolCallsAreParsedAndToolResultsSentBack) {
  LlmStandin s({.script = json::array(
                    {{{"tool_calls",
                       {{{"id", "call_7"}, {"name", "lookup_order"}, {"arguments", {{"order_id", "42"}}}}}}},
                     json::object()})});
  Client client(config_for(s), logger_, clock_);
  ChatRequest r = make_request(client.config(), "Subject: Where is order 42?");
  json parameters = {{"type", "object"}, {"properties", {{"order_id", {{"type", "string"}}}}}};
  json function = {{"name", "lookup_order"}, {"description", "Find an order"}, {"parameters", parameters}};
  r.tools = json::array({json{{"type", "function"}, {"function", function}}});
  r.tool_choice = "auto";
  auto o = run(client, r);
  ASSERT_FALSE(o.threw) << o.what;
  EXPECT_EQ(o.response.finish_reason, "tool_calls");
  ASSERT_EQ(o.response.tool_calls.size(), 1u);
  EXPECT_EQ(o.response.tool_calls[0].id, "call_7");
  EXPECT_EQ(o.response.tool_calls[0].name, "lookup_order");
  EXPECT_EQ(json::parse(o.response.tool_calls[0].arguments), (json{{"order_id", "42"}}));

  // The next round, as the tool loop will send it.
  r.messages.push_back(Message::assistant(o.response.content, o.response.tool_calls));
  r.messages.push_back(Message::tool("call_7", "shipped on Monday\nmore"));
  r.tool_choice = "none";
  auto second = run(client, r);
  ASSERT_FALSE(second.threw) << second.what;
  EXPECT_EQ(second.response.content, "Tool result: shipped on Monday");

  json log = s.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["tools"], true);
  EXPECT_EQ(log[0]["tool_choice"], "auto");
  EXPECT_EQ(log[1]["tool_choice"], "none");
  const json& msgs = log[1]["body"]["messages"];
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[2]["tool_calls"][0]["id"], "call_7");
  EXPECT_EQ(msgs[2]["tool_calls"][0]["function"]["name"], "lookup_order");
  EXPECT_EQ(msgs[3]["role"], "tool");
  EXPECT_EQ(msgs[3]["tool_call_id"], "call_7");
}

TEST_F(LlmClient, InvalidUtf8IsSentReplaced) {
  LlmStandin s;
  Client client(config_for(s), logger_, clock_);
  auto o = run(client, "Subject: caf\xe9\nbody \xff\xfe end");
  ASSERT_FALSE(o.threw) << o.what;
  json log = s.requests();
  ASSERT_EQ(log.size(), 1u);
  ASSERT_TRUE(log[0]["body"].is_object()) << "the stand-in could not decode the body";
  EXPECT_EQ(log[0]["body"]["messages"][1]["content"],
            "Subject: caf\xef\xbf\xbd\nbody \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST_F(LlmClient, NoExpectHeaderEvenForLargeBodies) {
  LlmStandin s;
  Client client(config_for(s), logger_, clock_);
  // curl would add "Expect: 100-continue" to a POST this large.
  auto o = run(client, "Subject: big\n\n" + std::string(std::size_t{2} << 20, 'x'));
  ASSERT_FALSE(o.threw) << o.what;
  json log = s.requests();
  ASSERT_EQ(log.size(), 1u);
  for (auto& [name, value] : log[0]["headers"].items()) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_NE(lower, "expect") << value;
  }
}

TEST_F(LlmClient, OneConnectionIsReusedAcrossRequests) {
  LlmStandin s(
      {.script = json::array({{{"content", "a"}, {"repeat", 2}}, {{"status", 500}}, {{"content", "b"}}})});
  Client client(config_for(s), logger_, clock_);
  for (int i = 0; i < 4; ++i) {
    auto o = run(client, "Subject: n" + std::to_string(i));
    ASSERT_FALSE(o.threw) << o.what;
  }
  json log = s.requests();
  ASSERT_EQ(log.size(), 5u);  // 4 answers, one of them after a 500
  std::set<int> ports, connections;
  for (auto& r : log) {
    ports.insert(r["client_port"].get<int>());
    connections.insert(r["connection"].get<int>());
  }
  EXPECT_EQ(ports.size(), 1u) << log.dump();
  EXPECT_EQ(connections.size(), 1u);
}

TEST_F(LlmClient, ConnectionRefusedIsTransientAfterRetries) {
  // A port that was free a moment ago and has no listener now.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);

  Config c;
  c.base_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1";
  c.model = "m";
  c.max_retries = 2;
  c.retry_backoff = {.initial = 10ms, .max = 10ms};
  Client client(c, logger_, clock_);
  auto o = run(client, "Subject: x");
  ASSERT_TRUE(o.threw);
  EXPECT_EQ(o.kind, ErrorKind::transient);
  EXPECT_NE(o.what.find("after 3 attempts"), std::string::npos) << o.what;
}

LlmStandinOptions tls_standin() {
  const auto& tls = testing::test_tls_material();
  return {.tls_cert_file = tls.server_cert_file, .tls_key_file = tls.server_key_file};
}

TEST_F(LlmClient, HttpsWithTheRightCaFileVerifiesAndReusesTheConnection) {
  LlmStandin s(tls_standin());
  Config c = config_for(s);
  ASSERT_EQ(c.base_url.substr(0, 8), "https://");
  c.ca_file = testing::test_tls_material().ca_file;
  Client client(c, logger_, clock_);
  for (int i = 0; i < 3; ++i) {
    auto o = run(client, "Subject: over TLS");
    ASSERT_FALSE(o.threw) << o.what;
    EXPECT_EQ(o.response.content, "Thanks for your message about over TLS");
  }
  std::set<int> connections;
  for (auto& r : s.requests()) connections.insert(r["connection"].get<int>());
  EXPECT_EQ(connections.size(), 1u);
}

// A certificate that does not verify is a configuration problem, not bad luck:
// fatal, and not retried.
TEST_F(LlmClient, HttpsWithAnUnknownIssuerIsFatal) {
  LlmStandin s(tls_standin());
  for (const std::string& ca : {testing::test_tls_material().other_ca_file, std::string()}) {
    Config c = config_for(s);
    c.ca_file = ca;  // "" = the system trust store, which does not know the test CA
    Client client(c, logger_, clock_);
    const auto t0 = Steady::now();
    auto o = run(client, "Subject: x");
    ASSERT_TRUE(o.threw) << "ca_file=" << ca;
    EXPECT_EQ(o.kind, ErrorKind::fatal) << o.what;
    EXPECT_LT(seconds_since(t0), 5.0);
  }
  EXPECT_EQ(s.requests().size(), 0u);  // no request got past the handshake
}

}  // namespace
}  // namespace raven::llm
