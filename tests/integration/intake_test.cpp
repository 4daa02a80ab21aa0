// The intake worker against a real, private Dovecot (tests/fixture): IDLE,
// poll, a server restart, a burst larger than the queue, a server without
// IDLE, and start-up failures that must say what failed and what happens next.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "filter/filter.hpp"
#include "fixture/dovecot.hpp"
#include "imap/session.hpp"
#include "intake/worker.hpp"
#include "log/capture_sink.hpp"
#include "log/log.hpp"
#include "tracker/retry_schedule.hpp"
#include "tracker/tracker.hpp"

namespace raven::intake {
namespace {

using namespace std::chrono_literals;

using log::CaptureSink;

// Pops UIDs off the queue, optionally slowly, and keeps them owned (as an
// answer worker does until it has flagged the message).
class Consumer {
 public:
  Consumer(BoundedQueue<imap::Uid>& queue, std::chrono::milliseconds per_item = 0ms)
      : thread_([this, &queue, per_item](std::stop_token stop) {
          while (auto uid = queue.pop(stop)) {
            if (per_item.count() > 0) std::this_thread::sleep_for(per_item);
            std::lock_guard lock(m_);
            uids_.push_back(*uid);
            cv_.notify_all();
          }
        }) {}

  // Waits until `n` UIDs arrived (or the timeout). Returns what arrived.
  std::vector<imap::Uid> wait_for(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, timeout, [&] { return uids_.size() >= n; });
    return uids_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<imap::Uid> uids_;
  std::jthread thread_;
};

struct Harness {
  explicit Harness(Config config, imap::Config imap_config, std::size_t capacity = 16,
                   filter::Config filter_config = {}, backoff::Config backoff = {},
                   std::function<std::vector<imap::Uid>(std::uint32_t)> unfinished = nullptr)
      : queue(capacity),
        filter(filter_config),
        sink(std::make_shared<CaptureSink>()),
        worker(config, std::move(imap_config), filter,
               Dependencies{.tracker = tracker,
                            .queue = queue,
                            .clock = clock,
                            .logger = log::Logger({log::Level::debug, log::Format::text}, sink),
                            .backoff = backoff,
                            .retries = &retries,
                            .unfinished = std::move(unfinished)}) {
    queue.set_on_pop([this] { worker.notify_slot_freed(); });
    retries.set_on_change([this] { worker.notify_retry_scheduled(); });
  }

  void start() {
    thread = std::jthread([this](std::stop_token stop) {
      try {
        worker.run(stop);
      } catch (const Error& e) {
        std::lock_guard lock(m);
        failure = e.what();
        failure_kind = e.kind();
      }
    });
  }
  // Waits until the worker has completed `n` scans.
  bool wait_for_scans(std::uint64_t n, std::chrono::milliseconds timeout = 15s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (worker.stats().scans < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  SystemClock clock;
  tracker::Tracker tracker;
  tracker::RetrySchedule retries;
  BoundedQueue<imap::Uid> queue;
  filter::Filter filter;
  std::shared_ptr<CaptureSink> sink;
  Worker worker;
  std::mutex m;
  std::string failure;
  ErrorKind failure_kind = ErrorKind::transient;
  std::jthread thread;  // last: joins before the members it uses go away
};

Config idle_config() {
  Config c;
  c.mode = Mode::idle;
  return c;
}

Config poll_config(std::chrono::milliseconds every) {
  Config c;
  c.mode = Mode::poll;
  c.poll_interval = every;
  return c;
}

std::set<imap::Uid> distinct(const std::vector<imap::Uid>& v) { return {v.begin(), v.end()}; }

class IntakeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }
};

TEST_F(IntakeTest, IdleSeesADeliveredMessage) {
  testing::Dovecot dovecot;
  Harness h(idle_config(), dovecot.imap_config());
  Consumer consumer(h.queue);
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  dovecot.deliver(testing::make_message("alice@example.com", "Hello", "Are you there?"));
  auto got = consumer.wait_for(1);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_EQ(got[0], 1u);
  EXPECT_TRUE(h.tracker.held(1));
  EXPECT_EQ(h.worker.stats().connects, 1u);
}

TEST_F(IntakeTest, ARetryRecordedWhileIdlingIsDispatchedOnTime) {
  // The answer worker records a retry while intake sits in IDLE (whose wait
  // was bounded before the retry existed); intake must wake for it, not
  // wait for new mail or the 25-minute IDLE refresh.
  testing::Dovecot dovecot;
  dovecot.deliver(testing::make_message("alice@example.com", "Hello", "Are you there?"));
  Harness h(idle_config(), dovecot.imap_config());
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  auto first = h.queue.pop({});  // dispatched by the first scan
  ASSERT_TRUE(first);
  std::this_thread::sleep_for(200ms);  // intake is idling now
  // A worker failed transiently: retry in 300 ms, give the UID back.
  h.retries.record_failure(*first, h.clock.now() + 300ms);
  h.tracker.release(*first);
  Consumer consumer(h.queue);
  auto got = consumer.wait_for(1, 10s);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_EQ(got[0], *first);
}

TEST_F(IntakeTest, MailAlreadyThereIsDispatchedAtStart) {
  testing::Dovecot dovecot;
  for (int i = 0; i < 3; ++i) dovecot.deliver(testing::make_message("a@example.com", "m", "b"));
  Harness h(idle_config(), dovecot.imap_config(imap::Tls::starttls));
  Consumer consumer(h.queue);
  h.start();
  auto got = consumer.wait_for(3);
  EXPECT_EQ(distinct(got), (std::set<imap::Uid>{1, 2, 3})) << h.sink->all();
}

TEST_F(IntakeTest, PollModeSeesADeliveredMessage) {
  testing::Dovecot dovecot;
  Harness h(poll_config(200ms), dovecot.imap_config());
  Consumer consumer(h.queue);
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  dovecot.deliver(testing::make_message("alice@example.com", "Poll", "x"));
  auto got = consumer.wait_for(1);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_GE(h.worker.stats().scans, 2u);
}

TEST_F(IntakeTest, OnlyAllowListedSendersAreSearchedFor) {
  testing::Dovecot dovecot;
  Harness h(idle_config(), dovecot.imap_config(), 16, filter::Config{{"@example.org"}, ""});
  Consumer consumer(h.queue);
  dovecot.deliver(testing::make_message("stranger@example.com", "no", "x"));
  dovecot.deliver(testing::make_message("bob@example.org", "yes", "x"));
  h.start();
  auto got = consumer.wait_for(1);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_EQ(got[0], 2u);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(consumer.wait_for(1, 0ms).size(), 1u);
}

TEST_F(IntakeTest, DovecotRestartWhileIdlingLosesNothing) {
  testing::Dovecot dovecot;
  // A slow first retry, so the message lands while Raven is still disconnected.
  Harness h(idle_config(), dovecot.imap_config(), 16, {},
            backoff::Config{.initial = 1500ms, .max = 3s, .jitter = 0.0});
  Consumer consumer(h.queue);
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  dovecot.restart();
  dovecot.deliver(testing::make_message("alice@example.com", "while down", "x"));
  auto got = consumer.wait_for(1, 30s);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_GE(h.worker.stats().connects, 2u);
  EXPECT_TRUE(h.sink->contains("reconnecting in")) << h.sink->all();
}

TEST_F(IntakeTest, BurstOfTenTimesTheQueueIsDispatchedCompletely) {
  testing::Dovecot dovecot;
  constexpr std::size_t kCapacity = 4, kMessages = 10 * kCapacity;
  Harness h(idle_config(), dovecot.imap_config(), kCapacity);
  Consumer consumer(h.queue, 30ms);  // slower than intake
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  for (std::size_t i = 0; i < kMessages; ++i) {
    dovecot.deliver(testing::make_message("alice@example.com", "burst " + std::to_string(i), "x"));
  }
  // Nothing is delivered after the burst: only freed slots can wake intake.
  auto got = consumer.wait_for(kMessages, 60s);
  EXPECT_EQ(got.size(), kMessages) << h.sink->all();
  EXPECT_EQ(distinct(got).size(), kMessages) << "a UID was dispatched twice";
  EXPECT_GT(h.worker.stats().deferred_scans, 0u);
}

// A backlog far larger than the queue is handed out from the UIDs the first
// search found as slots free: a couple of searches in all, not one per freed
// slot (each a search over every unseen message; docs/performance.md).
TEST_F(IntakeTest, BacklogIsDispatchedFromOneSearchAsSlotsFree) {
  testing::Dovecot dovecot;
  constexpr std::size_t kCapacity = 4, kMessages = 10 * kCapacity;
  for (std::size_t i = 0; i < kMessages; ++i) {
    dovecot.deliver(testing::make_message("alice@example.com", "backlog " + std::to_string(i), "x"));
  }
  Harness h(idle_config(), dovecot.imap_config(), kCapacity);
  Consumer consumer(h.queue, 20ms);
  h.start();
  auto got = consumer.wait_for(kMessages, 60s);
  ASSERT_EQ(got.size(), kMessages) << h.sink->all();
  EXPECT_EQ(distinct(got).size(), kMessages) << "a UID was dispatched twice";
  // Let the last round (the search after the kept UIDs ran out) happen.
  ASSERT_TRUE(h.wait_for_scans(2));
  std::this_thread::sleep_for(200ms);
  const Worker::Stats stats = h.worker.stats();
  EXPECT_GE(stats.slot_rounds, kMessages - kCapacity - 1) << "slots freed without a dispatch round";
  // The first search finds all 40; the one after they are all out finds
  // them in flight (the consumer keeps them) and intake goes to IDLE.
  EXPECT_EQ(stats.scans, 2u) << h.sink->all();
}

// A reply committed to whose message is \Seen already (Raven was killed
// between the flag STORE and recording `done`) is not found by the UNSEEN
// search: the journal's unfinished UIDs are dispatched after connecting.
TEST_F(IntakeTest, JournalsUnfinishedRepliesAreDispatchedAfterConnecting) {
  testing::Dovecot dovecot;
  dovecot.deliver(testing::make_message("alice@example.com", "answered before the crash", "x"));
  dovecot.deliver(testing::make_message("alice@example.com", "new", "x"));
  {
    imap::Session s = imap::Session::connect(dovecot.imap_config(), {});
    s.select("INBOX");
    s.uid_store_add_flags({1}, {"\\Seen", "\\Answered"});
  }
  std::atomic<int> asked{0};
  std::atomic<std::uint32_t> asked_for{0};
  Harness h(idle_config(), dovecot.imap_config(), 16, {}, {}, [&](std::uint32_t uidvalidity) {
    ++asked;
    asked_for = uidvalidity;
    return std::vector<imap::Uid>{1};
  });
  Consumer consumer(h.queue);
  h.start();
  auto got = consumer.wait_for(2);
  EXPECT_EQ(distinct(got), (std::set<imap::Uid>{1, 2})) << h.sink->all();
  EXPECT_EQ(asked.load(), 1);
  EXPECT_NE(asked_for.load(), 0u);
  EXPECT_EQ(h.worker.stats().unfinished, 1u);
  EXPECT_TRUE(h.sink->contains("msg=\"unfinished replies in the journal\"")) << h.sink->all();
}

// DESIGN.md difference 3: IDLE is re-issued every idle_refresh even when
// nothing happens (the DONE/OK round trip proves the connection alive), and
// each refresh searches again.
TEST_F(IntakeTest, IdleIsReissuedEveryRefreshWithoutNews) {
  testing::Dovecot dovecot;
  Config c = idle_config();
  c.idle_refresh = 300ms;
  Harness h(c, dovecot.imap_config());
  h.start();
  ASSERT_TRUE(h.wait_for_scans(4, 10s)) << h.sink->all();
  EXPECT_TRUE(h.sink->contains("msg=\"idle refreshed\"")) << h.sink->all();
  EXPECT_EQ(h.worker.stats().connects, 1u) << "a refresh must not reconnect";
}

TEST_F(IntakeTest, ServerWithoutIdleIsPolledWithAWarning) {
  testing::Dovecot dovecot(testing::DovecotOptions{.idle = false});
  Config c = idle_config();
  c.poll_interval = 200ms;
  Harness h(c, dovecot.imap_config());
  Consumer consumer(h.queue);
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  dovecot.deliver(testing::make_message("alice@example.com", "no idle", "x"));
  auto got = consumer.wait_for(1);
  ASSERT_EQ(got.size(), 1u) << h.sink->all();
  EXPECT_TRUE(h.sink->contains("msg=\"server does not support IDLE\" component=intake next=\"polling every 200ms\""))
      << h.sink->all();
}

TEST_F(IntakeTest, StopInterruptsIdlePromptly) {
  testing::Dovecot dovecot;
  Harness h(idle_config(), dovecot.imap_config());
  h.start();
  ASSERT_TRUE(h.wait_for_scans(1));
  std::this_thread::sleep_for(100ms);  // inside IDLE by now
  auto t0 = std::chrono::steady_clock::now();
  h.thread.request_stop();
  h.thread.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(h.sink->contains("intake stopped"));
}

TEST_F(IntakeTest, WrongPasswordStopsAtStartWithOneClearLine) {
  testing::Dovecot dovecot;
  auto ic = dovecot.imap_config();
  ic.password = "wrong";
  Harness h(idle_config(), ic);
  h.start();
  h.thread.join();
  EXPECT_EQ(h.failure_kind, ErrorKind::fatal) << h.failure;
  EXPECT_TRUE(h.sink->contains("msg=\"intake cannot start\"")) << h.sink->all();
  EXPECT_TRUE(h.sink->contains("next=stopping")) << h.sink->all();
  EXPECT_EQ(h.sink->all().find(dovecot.password()), std::string::npos) << "password leaked into the log";
}

TEST_F(IntakeTest, UntrustedCertificateStopsAtStart) {
  testing::Dovecot dovecot;
  auto ic = dovecot.imap_config();
  ic.ca_file = dovecot.other_ca_file();
  Harness h(idle_config(), ic);
  h.start();
  h.thread.join();
  EXPECT_EQ(h.failure_kind, ErrorKind::fatal) << h.failure;
  EXPECT_NE(h.failure.find("certificate"), std::string::npos) << h.failure;
  EXPECT_TRUE(h.sink->contains("next=stopping")) << h.sink->all();
}

TEST_F(IntakeTest, DeadServerIsRetriedWithBackoffUntilStopped) {
  testing::Dovecot dovecot;
  auto ic = dovecot.imap_config();
  dovecot.stop();
  Harness h(idle_config(), ic, 16, {}, backoff::Config{.initial = 100ms, .max = 200ms});
  h.start();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!h.sink->contains("reconnecting in") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(h.sink->contains("kind=transient")) << h.sink->all();
  h.thread.request_stop();
  h.thread.join();
  EXPECT_TRUE(h.failure.empty()) << h.failure;
}

}  // namespace
}  // namespace raven::intake
