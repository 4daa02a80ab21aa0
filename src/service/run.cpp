#include "service/run.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "answer/worker.hpp"
#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "filter/filter.hpp"
#include "intake/worker.hpp"
#include "llm/client.hpp"
#include "llm/http.hpp"
#include "message/init.hpp"
#include "service/crash_points.hpp"
#include "smtp/session.hpp"
#include "store/journal.hpp"
#include "tool/registry.hpp"
#include "tracker/retry_schedule.hpp"
#include "tracker/tracker.hpp"

namespace raven::service {

int run(const config::Config& config, const log::Logger& logger, std::stop_source stop) {
  const auto& answer_config = *config.answer;
  message::init();
  llm::global_init();

  SystemClock clock;
  tracker::Tracker tracker;
  tracker::RetrySchedule retries;
  BoundedQueue<imap::Uid> queue(answer_config.queue);
  filter::Filter filter(config.filter);
  std::atomic<bool> fatal{false};
  auto on_fatal = [&](const Error&) {
    fatal = true;
    stop.request_stop();
  };

  // The tools, loaded and checked once for every worker (check-config ran the
  // same checks, but a program may have gone since): a problem stops Raven
  // now rather than failing at the first mail that needs the tool.
  std::optional<tool::Registry> tools;
  try {
    tools.emplace(config.tools);
  } catch (const Error& e) {
    logger.error("cannot start", {{"component", "tool"}, {"error", e.what()}, {"next", "stopping"}});
    return 1;
  }

  // Fail fast on what retrying cannot fix: SMTP credentials or certificate.
  // A server that is merely down is retried later, message by message.
  if (answer_config.mode == answer::Mode::send && config.smtp) {
    smtp::Session probe(*config.smtp, logger);
    auto checked = probe.verify(stop.get_token());
    if (!checked && checked.kind == ErrorKind::fatal) {
      logger.error("cannot start", {{"component", "smtp"}, {"error", checked.error}, {"next", "stopping"}});
      return 1;
    }
    if (!checked) {
      logger.warn("smtp not reachable at start", {{"error", checked.error}, {"next", "replies are retried later"}});
    }
  }
  // The same for the LLM: a refused key would otherwise stop Raven only at
  // the first mail. GET {base_url}/models, which costs no tokens.
  if (config.llm) {
    llm::Client probe(*config.llm, logger, clock);
    if (auto problem = probe.check(stop.get_token())) {
      if (problem->kind() == ErrorKind::fatal) {
        logger.error("cannot start", {{"component", "llm"}, {"error", problem->what()}, {"next", "stopping"}});
        return 1;
      }
      logger.warn("llm not reachable at start",
                  {{"error", problem->what()}, {"next", "answering anyway; each message is retried if the llm fails"}});
    }
  }

  // The journal first: without it no reply may go out.
  std::unique_ptr<store::Journal> journal;
  try {
    journal = std::make_unique<store::Journal>(config.state);
  } catch (const std::exception& e) {
    logger.error("cannot open the journal", {{"path", config.state.path}, {"error", e.what()}, {"next", "stopping"}});
    return 1;
  }
  const auto crash_point = crash_points_from_environment(logger);

  std::vector<std::unique_ptr<answer::Worker>> workers;
  try {
    for (unsigned i = 0; i < answer_config.workers; ++i) {
      workers.push_back(std::make_unique<answer::Worker>(
          answer_config, config.imap, *config.llm, config.smtp,
          answer::Dependencies{.tracker = tracker,
                               .retries = retries,
                               .queue = queue,
                               .filter = filter,
                               .journal = *journal,
                               .clock = clock,
                               .logger = logger,
                               .on_fatal = on_fatal,
                               .crash_point = crash_point,
                               .tools = &*tools,
                               .policy = &config.policy},
          i + 1));
    }
  } catch (const Error& e) {
    logger.error("cannot start", {{"error", e.what()}, {"next", "stopping"}});
    return 1;
  }

  intake::Worker intake(config.intake, config.imap, filter,
                        intake::Dependencies{.tracker = tracker,
                                             .queue = queue,
                                             .clock = clock,
                                             .logger = logger,
                                             .retries = &retries,
                                             .unfinished = [&journal, &config](std::uint32_t uidvalidity) {
                                               std::vector<imap::Uid> uids;
                                               for (const store::Record& r :
                                                    journal->unfinished(config.imap.mailbox, uidvalidity)) {
                                                 uids.push_back(r.key.uid);
                                               }
                                               return uids;
                                             }});
  queue.set_on_pop([&intake] { intake.notify_slot_freed(); });
  // A retry recorded while intake idles must shorten the wait it is in.
  retries.set_on_change([&intake] { intake.notify_retry_scheduled(); });

  logger.info("raven started", {{"workers", answer_config.workers},
                                {"tools", tools->size()},
                                {"journal", config.state.path},
                                {"mode", answer::to_string(answer_config.mode)},
                                {"mailbox", config.imap.mailbox}});

  // Cancels the messages in hand once the shutdown timeout has passed.
  std::stop_source abort;
  {
    std::vector<std::jthread> threads;
    for (auto& w : workers) {
      threads.emplace_back([&w, &stop, &abort] { w->run(stop.get_token(), abort.get_token()); });
    }
    std::jthread intake_thread([&] {
      try {
        intake.run(stop.get_token());
      } catch (const Error&) {
        fatal = true;  // intake logged why
        stop.request_stop();
      }
    });

    // Wait for the stop request, then give workers the shutdown timeout.
    {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait(lock, stop.get_token(), [] { return false; });
    }
    logger.info("stopping", {{"next", "finishing messages in hand, at most " +
                                          log::Field::format_duration(answer_config.shutdown_timeout)}});
    intake_thread.join();
    std::jthread watchdog([&](std::stop_token done) {
      if (clock.sleep_for(answer_config.shutdown_timeout, done)) {
        logger.warn("shutdown timeout", {{"next", "cancelling messages in hand; they stay unseen"}});
        abort.request_stop();
      }
    });
    for (auto& t : threads) t.join();
  }
  logger.info("raven stopped");
  return fatal ? 1 : 0;
}

}  // namespace raven::service
