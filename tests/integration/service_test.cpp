// service::run — the whole daemon (intake + answer workers) against Dovecot,
// the SMTP sink and the LLM stand-in: it answers, stops on request with 0
// (finishing the message in hand, or leaving it unseen after the shutdown
// timeout), and fails fast with 1 and one clear log line on what retrying
// cannot fix (SMTP or IMAP credentials, an LLM key the server refuses).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "fixture/dovecot.hpp"
#include "fixture/net.hpp"
#include "imap/session.hpp"
#include "log/capture_sink.hpp"
#include "llm_standin.hpp"
#include "service/run.hpp"
#include "smtp_sink.hpp"

namespace raven::service {
namespace {

using namespace std::chrono_literals;

using log::CaptureSink;

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  static testing::SmtpSinkOptions with_auth() {
    testing::SmtpSinkOptions o;
    o.auth_user = "raven";
    o.auth_password = "sink-secret";
    return o;
  }

  ServiceTest() : sink(with_auth()) {
    config.imap = dovecot.imap_config();
    config.filter.senders = {"@example.com"};
    config.answer.emplace();
    config.answer->from = "Raven <raven@example.test>";
    config.answer->workers = 2;
    config.answer->shutdown_timeout = 5s;
    config.llm.emplace();
    config.llm->base_url = llm.base_url();
    config.llm->model = "standin";
    config.smtp = sink.smtp_config();
    config.state.path = state_dir.file("journal.db");
    config.policy.addresses = {"raven@example.test"};  // what loading a file adds from answer.from
  }

  // True once the LLM stand-in got a chat request (not the start-up GET /models).
  bool llm_was_asked() {
    for (const auto& r : llm.requests()) {
      if (r.value("path", "").ends_with("/chat/completions")) return true;
    }
    return false;
  }
  bool wait_until_llm_asked() {
    for (int i = 0; i < 300; ++i) {
      if (llm_was_asked()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::future<int> start(log::Level level = log::Level::info) {
    return std::async(std::launch::async, [this, level] {
      return run(config, log::Logger({level, log::Format::text}, log_sink), stop);
    });
  }

  testing::Dovecot dovecot;
  testing::SmtpSink sink;
  testing::LlmStandin llm;
  testing::TempDir state_dir;
  config::Config config;
  std::stop_source stop;
  std::shared_ptr<CaptureSink> log_sink = std::make_shared<CaptureSink>();
};

TEST_F(ServiceTest, AnswersEachMessageOnceAndStopsWithZero) {
  auto status = start();
  for (int i = 0; i < 5; ++i) {
    dovecot.deliver(testing::make_message("user" + std::to_string(i) + "@example.com", "Question " + std::to_string(i),
                                          "Hello?"));
  }
  EXPECT_TRUE(sink.wait_for(5, 30s));
  std::this_thread::sleep_for(1s);  // anything extra would arrive now
  stop.request_stop();
  ASSERT_EQ(status.wait_for(15s), std::future_status::ready);
  EXPECT_EQ(status.get(), 0);
  auto sent = sink.messages();
  EXPECT_EQ(sent.size(), 5u);
  std::set<std::string> recipients;
  for (const auto& m : sent) recipients.insert(m.rcpt_tos.at(0));
  EXPECT_EQ(recipients.size(), 5u) << "someone got two replies";
}

// At log.level debug each answered message gets one `answer steps` line:
// where its time went, step by step (bench/ reads it too).
TEST_F(ServiceTest, DebugLogSaysWhereEachAnsweredMessagesTimeWent) {
  auto status = start(log::Level::debug);
  dovecot.deliver(testing::make_message("user@example.com", "Question", "Hello?"));
  EXPECT_TRUE(sink.wait_for(1, 30s));
  stop.request_stop();
  ASSERT_EQ(status.wait_for(15s), std::future_status::ready);
  EXPECT_EQ(status.get(), 0);
  EXPECT_TRUE(log_sink->contains_all({"msg=\"answer steps\"", " uid=1 ", " fetch_us=", " parse_us=", " journal_us=",
                                      " llm_us=", " compose_us=", " claim_us=", " smtp_us=", " sent_us=",
                                      " flags_us=", " done_us=", " total_us="}))
      << log_sink->all();
}

TEST_F(ServiceTest, WrongSmtpPasswordStopsAtStartWithOne) {
  config.smtp->password = "wrong";
  auto status = start();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 1);
  EXPECT_TRUE(log_sink->contains_all({"msg=\"cannot start\"", "component=smtp", "next=stopping"}))
      << log_sink->all();
  EXPECT_EQ(log_sink->all().find("wrong"), std::string::npos) << "the password reached the log";
}

TEST_F(ServiceTest, WrongImapPasswordStopsAtStartWithOne) {
  config.imap.password = "wrong";
  auto status = start();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 1);
  EXPECT_TRUE(log_sink->contains_all({"msg=\"intake cannot start\"", "kind=fatal", "next=stopping"}))
      << log_sink->all();
}

// A key the LLM server refuses would fail every mail: Raven refuses to start
// (GET /models, no tokens), and says so in one line.
TEST_F(ServiceTest, RefusedLlmKeyStopsAtStartWithOne) {
  testing::LlmStandin keyed({.api_key = "sk-the-right-one"});
  config.llm->base_url = keyed.base_url();
  config.llm->api_key = "sk-a-wrong-one";
  dovecot.deliver(testing::make_message("alice@example.com", "Waits for a good key", "Hello?"));
  auto status = start();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 1);
  EXPECT_TRUE(log_sink->contains_all({"msg=\"cannot start\"", "component=llm", "401", "check llm.api_key",
                                      "next=stopping"}))
      << log_sink->all();
  EXPECT_EQ(log_sink->all().find("sk-a-wrong-one"), std::string::npos) << "the key reached the log";
  for (const auto& r : keyed.requests()) EXPECT_EQ(r["method"], "GET") << "a chat request was made: " << r;
  // The message was not touched: still unseen, nothing sent.
  imap::Session s = imap::Session::connect(config.imap, {});
  s.select("INBOX");
  imap::SearchQuery unseen;
  EXPECT_EQ(s.uid_search(unseen).size(), 1u);
  EXPECT_EQ(sink.messages().size(), 0u);
}

// Stopped while a message is in hand: the worker finishes it (the reply goes
// out and the original is flagged) within the shutdown timeout, then 0.
TEST_F(ServiceTest, StopFinishesTheMessageInHand) {
  llm.set_script(nlohmann::json::array({{{"delay", 2}, {"content", "Answered while stopping."}}}));
  auto status = start();
  dovecot.deliver(testing::make_message("alice@example.com", "In hand", "Hello?"));
  // Wait until the LLM has the request, then ask Raven to stop.
  ASSERT_TRUE(wait_until_llm_asked()) << log_sink->all();
  stop.request_stop();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 0);
  EXPECT_EQ(sink.messages().size(), 1u) << log_sink->all();
  imap::Session s = imap::Session::connect(config.imap, {});
  s.select("INBOX");
  imap::SearchQuery unseen;
  EXPECT_TRUE(s.uid_search(unseen).empty()) << "the original was not flagged";
}

// ... but not forever: after answer.shutdown_timeout the message in hand is
// cancelled, stays unseen (a later run answers it), and Raven still exits 0.
TEST_F(ServiceTest, ShutdownTimeoutLeavesTheMessageUnseen) {
  config.answer->shutdown_timeout = 1s;
  llm.set_script(nlohmann::json::array({{{"hang", true}}}));
  auto status = start();
  dovecot.deliver(testing::make_message("alice@example.com", "Hangs", "Hello?"));
  ASSERT_TRUE(wait_until_llm_asked()) << log_sink->all();
  const auto t0 = std::chrono::steady_clock::now();
  stop.request_stop();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(log_sink->contains_all({"msg=\"shutdown timeout\"", "they stay unseen"})) << log_sink->all();
  EXPECT_EQ(sink.messages().size(), 0u);
  imap::Session s = imap::Session::connect(config.imap, {});
  s.select("INBOX");
  imap::SearchQuery unseen;
  EXPECT_EQ(s.uid_search(unseen).size(), 1u);
}

}  // namespace
}  // namespace raven::service
