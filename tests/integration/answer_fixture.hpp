// The AnswerTest fixture: one answer worker against real servers on
// loopback — a private Dovecot (tests/fixture), the aiosmtpd sink and the LLM
// stand-in (tests/support) — with a journal in a temp dir. Shared by
// answer_test.cpp (the pipeline, the journal, tools) and
// answer_policy_test.cpp (what the policy needs the journal for: budgets,
// notices, fast replies).
//
// The worker and the journal share one wall clock, the system's moved on by
// wall_offset_ms, so a test can step past retry times or into the next UTC
// day.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "answer/worker.hpp"
#include "common/clock.hpp"
#include "fixture/dovecot.hpp"
#include "fixture/net.hpp"
#include "llm_standin.hpp"
#include "message/init.hpp"
#include "message/message_id.hpp"
#include "smtp_sink.hpp"
#include "store/journal.hpp"
#include "tool/registry.hpp"

namespace raven::answer::test {

using namespace std::chrono_literals;

class AnswerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);
    message::init();
  }

  static store::Config journal_config(const testing::TempDir& dir) {
    store::Config c;
    c.path = dir.path() + "/journal.db";
    return c;
  }

  AnswerTest() : AnswerTest(testing::DovecotOptions{}) {}
  explicit AnswerTest(testing::DovecotOptions dovecot_options)
      : dovecot(std::move(dovecot_options)),
        queue(4),
        filter(filter::Config{{"alice@example.com", "@example.org"}, ""}),
        journal(journal_config(state_dir), [this] { return wall_now(); }) {
    config.from = "Raven Desk <raven@example.test>";
    config.retry_initial = 10ms;
    config.retry_max = 20ms;
    llm_config.base_url = llm.base_url();
    llm_config.model = "standin";
    llm_config.system_prompt = "You answer email.";
    llm_config.timeout = 3s;
    llm_config.max_retries = 0;
  }

  // The wall clock the worker and the journal share (as in the service):
  // the system's, moved on by wall_offset_ms.
  std::int64_t wall_now() const { return store::system_now_ms() + wall_offset_ms; }

  // A worker on `other` instead of `journal` (another process, a restart).
  std::unique_ptr<Worker> make_worker(store::Journal* other = nullptr) {
    return std::make_unique<Worker>(config, dovecot.imap_config(), llm_config, sink.smtp_config(),
                                    Dependencies{.tracker = tracker,
                                                 .retries = retries,
                                                 .queue = queue,
                                                 .filter = filter,
                                                 .journal = other != nullptr ? *other : journal,
                                                 .clock = clock,
                                                 .logger = log::Logger({log::Level::warn, log::Format::text}),
                                                 .on_fatal = [this](const Error&) { ++fatals; },
                                                 .crash_point = crash_point,
                                                 .wall_clock = [this] { return wall_now(); },
                                                 .tools = tools,
                                                 .policy = policy},
                                    1);
  }

  // Lets the next attempt of every retry come due (the journal's times are
  // wall-clock; this moves the worker's view of the wall clock on).
  void later() { wall_offset_ms += 3'600'000; }

  std::uint32_t uidvalidity() {
    auto s = imap::Session::connect(dovecot.imap_config());
    return s.select("INBOX").uidvalidity;
  }
  store::Key key(imap::Uid uid) { return {"INBOX", uidvalidity(), uid}; }
  store::State state(imap::Uid uid) {
    auto r = journal.get(key(uid));
    EXPECT_TRUE(r.has_value()) << "no journal row for uid " << uid;
    return r ? r->state : store::State::seen;
  }
  // Leaves uid's row where a crash at that step would have: sending (SMTP
  // outcome unknown) or sent (flags missing).
  void crashed_in(imap::Uid uid, store::State where, const std::string& message_id) {
    const store::Key k = key(uid);
    journal.record_seen(k, message_id);
    ASSERT_TRUE(journal.transition(k, {store::State::seen}, store::State::answering));
    ASSERT_TRUE(journal
                    .begin_sending(k, {store::State::answering},
                                   message::derive_reply_message_id(message_id, "example.test"))
                    .claimed);
    if (where == store::State::sent) {
      ASSERT_TRUE(journal.transition(k, {store::State::sending}, store::State::sent));
    }
  }

  Outcome process(Worker& w, imap::Uid uid) {
    EXPECT_TRUE(tracker.try_acquire(uid));
    return w.process(uid, {});
  }

  // Flags of `uid` in `mailbox`, read with a fresh session.
  std::vector<std::string> flags_of(imap::Uid uid, const std::string& mailbox = "INBOX") {
    auto s = imap::Session::connect(dovecot.imap_config());
    s.select(mailbox);
    imap::FetchItems items;
    items.flags = true;
    auto got = s.uid_fetch({uid}, items);
    return got.empty() ? std::vector<std::string>{} : got.front().flags;
  }
  std::uint32_t count(const std::string& mailbox) {
    auto s = imap::Session::connect(dovecot.imap_config());
    return s.select(mailbox).exists;
  }
  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  testing::Dovecot dovecot;
  testing::SmtpSink sink;
  testing::LlmStandin llm;
  Config config;
  llm::Config llm_config;
  SystemClock clock;
  tracker::Tracker tracker;
  tracker::RetrySchedule retries;
  BoundedQueue<imap::Uid> queue;
  filter::Filter filter;
  testing::TempDir state_dir;
  std::int64_t wall_offset_ms = 0;  // before journal, whose clock reads it
  store::Journal journal;
  int fatals = 0;
  std::function<void(std::string_view)> crash_point;  // what make_worker() passes on
  const tool::Registry* tools = nullptr;              // what make_worker() offers the model
  const policy::Config* policy = nullptr;             // set by the policy tests
};

inline constexpr const char* kQuestion =
    "From: Alice Example <alice@example.com>\r\n"
    "To: raven@example.test\r\n"
    "Subject: Opening hours\r\n"
    "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <q1@example.com>\r\n"
    "References: <q0@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "When are you open on Sundays?\r\n";

}  // namespace raven::answer::test
