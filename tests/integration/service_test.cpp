// service::run — the whole daemon (intake + answer workers) against Dovecot,
// the SMTP sink and the LLM stand-in: it answers, stops on request with 0,
// and fails fast with 1 on credentials that retrying cannot fix.
#include <gtest/gtest.h>

#include <signal.h>

#include <future>
#include <thread>

#include "config/config.hpp"
#include "fixture/dovecot.hpp"
#include "fixture/net.hpp"
#include "llm_standin.hpp"
#include "service/run.hpp"
#include "smtp_sink.hpp"

namespace raven::service {
namespace {

using namespace std::chrono_literals;

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

  std::future<int> start() {
    return std::async(std::launch::async, [this] {
      return run(config, log::Logger({log::Level::warn, log::Format::text}), stop);
    });
  }

  testing::Dovecot dovecot;
  testing::SmtpSink sink;
  testing::LlmStandin llm;
  testing::TempDir state_dir;
  config::Config config;
  std::stop_source stop;
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

TEST_F(ServiceTest, WrongSmtpPasswordStopsAtStartWithOne) {
  config.smtp->password = "wrong";
  auto status = start();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 1);
}

TEST_F(ServiceTest, WrongImapPasswordStopsAtStartWithOne) {
  config.imap.password = "wrong";
  auto status = start();
  ASSERT_EQ(status.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(status.get(), 1);
}

}  // namespace
}  // namespace raven::service
