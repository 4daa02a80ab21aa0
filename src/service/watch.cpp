#include "service/watch.hpp"

#include <thread>

#include "common/bounded_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "filter/filter.hpp"
#include "intake/worker.hpp"
#include "tracker/tracker.hpp"

namespace raven::service {

namespace {
// Room for a burst without holding the intake back; watch consumes instantly.
constexpr std::size_t kQueueCapacity = 64;
}  // namespace

int watch(const config::Config& config, const log::Logger& logger, std::stop_token stop, OnMessage on_message) {
  SystemClock clock;
  tracker::Tracker tracker;
  BoundedQueue<imap::Uid> queue(kQueueCapacity);
  filter::Filter filter(config.filter);
  intake::Worker worker(config.intake, config.imap, filter,
                        intake::Dependencies{.tracker = tracker, .queue = queue, .clock = clock, .logger = logger});
  queue.set_on_pop([&worker] { worker.notify_slot_freed(); });

  std::stop_source consumers_stop;
  std::jthread consumer([&](std::stop_token) {
    while (auto uid = queue.pop(consumers_stop.get_token())) on_message(*uid);
  });
  int status = 0;
  try {
    worker.run(stop);
  } catch (const Error&) {
    status = 1;  // the worker logged why
  }
  consumers_stop.request_stop();
  return status;
}

}  // namespace raven::service
