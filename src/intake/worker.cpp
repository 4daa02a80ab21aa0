#include "intake/worker.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace raven::intake {
namespace {

// Used when a server without IDLE forces poll mode and no interval was given.
constexpr std::chrono::minutes kFallbackPollInterval{1};

std::string seconds_text(std::chrono::milliseconds d) { return log::Field::format_duration(d); }

}  // namespace

Connector default_connector() {
  return [](const imap::Config& config, std::stop_token stop) { return imap::Session::connect(config, std::move(stop)); };
}

Worker::Worker(Config config, imap::Config imap_config, const filter::Filter& filter, Dependencies deps)
    : config_(config),
      imap_config_(std::move(imap_config)),
      filter_(filter),
      deps_(std::move(deps)),
      backoff_(deps_.backoff) {
  deps_.logger = deps_.logger.with({{"component", "intake"}});
}

Worker::Stats Worker::stats() const {
  std::lock_guard lock(m_);
  return stats_;
}

void Worker::notify_slot_freed() {
  std::lock_guard lock(m_);
  if (!deferred_) return;
  wake_pending_ = true;
  wake_.request_stop();
}

void Worker::notify_retry_scheduled() {
  std::lock_guard lock(m_);
  wake_pending_ = true;
  retry_woke_ = true;
  wake_.request_stop();
}

// A fresh token for one wait; already stopped if a slot freed since the scan.
std::stop_token Worker::begin_wait() {
  std::lock_guard lock(m_);
  wake_ = std::stop_source{};
  if (wake_pending_) {
    wake_pending_ = false;
    wake_.request_stop();
  }
  return wake_.get_token();
}

void Worker::run(std::stop_token stop) {
  const auto& log = deps_.logger;
  log.info("intake started", {{"mode", to_string(config_.mode)}, {"mailbox", imap_config_.mailbox}});
  bool ever_scanned = false;
  bool search = true;
  while (!stop.stop_requested()) {
    try {
      if (!session_ || !session_->usable()) {
        session_.reset();
        if (!connect_and_select(stop)) break;
        search = true;
      }
      if (search) {
        scan();
      } else {
        dispatch_kept(false);
      }
      ever_scanned = true;
      backoff_.reset();
      bool queue_full = false;
      {
        std::lock_guard lock(m_);
        queue_full = deferred_;
      }
      if (queue_full) {
        search = !wait_for_slot(stop);
      } else if (!search) {
        // The kept UIDs are all out: mail that arrived meanwhile was not
        // watched for (no IDLE while the queue was full), so search now.
        search = true;
      } else {
        bool use_idle = config_.mode == Mode::idle && session_->has_capability("IDLE");
        wait_for_news(*session_, use_idle, stop);
        search = true;
      }
    } catch (const Error& e) {
      session_.reset();
      if (stop.stop_requested()) break;
      if (e.kind() == ErrorKind::fatal && !ever_scanned) {
        log.error("intake cannot start", {{"error", e.what()}, {"kind", to_string(e.kind())}, {"next", "stopping"}});
        throw;
      }
      auto delay = backoff_.next();
      if (e.kind() == ErrorKind::fatal) {
        // Unfixable by retrying soon; keep trying slowly in case it passes.
        while (backoff_.attempts() < 64 && delay < deps_.backoff.max) delay = backoff_.next();
      }
      log.error("imap failed", {{"error", e.what()},
                                {"kind", to_string(e.kind())},
                                {"next", "reconnecting in " + seconds_text(delay)}});
      if (!deps_.clock.sleep_for(delay, stop)) break;
    }
  }
  session_.reset();
  log.info("intake stopped");
}

bool Worker::connect_and_select(std::stop_token stop) {
  const auto& log = deps_.logger;
  imap::Session session = deps_.connect(imap_config_, stop);
  if (stop.stop_requested()) return false;
  imap::MailboxStatus status = session.select(imap_config_.mailbox);
  if (uidvalidity_ && *uidvalidity_ != status.uidvalidity) {
    // RFC 3501 §2.3.1.1: every UID we knew is meaningless now. The retry
    // schedule is keyed on old UIDs, so it goes; in-flight work stays guarded
    // by the tracker, and the journal's Message-IDs keep anything from being
    // answered twice.
    log.warn("mailbox UIDVALIDITY changed", {{"mailbox", imap_config_.mailbox},
                                             {"old", *uidvalidity_},
                                             {"new", status.uidvalidity},
                                             {"next", "relying on Message-IDs"}});
    if (deps_.retries) deps_.retries->clear();
  }
  uidvalidity_ = status.uidvalidity;
  kept_.clear();  // the search that follows finds them again
  unfinished_.clear();
  if (deps_.unfinished) unfinished_ = deps_.unfinished(status.uidvalidity);
  {
    std::lock_guard lock(m_);
    ++stats_.connects;
    stats_.unfinished += unfinished_.size();
  }
  if (!unfinished_.empty()) {
    log.info("unfinished replies in the journal",
             {{"count", unfinished_.size()}, {"next", "finishing them (flags and state; nothing is sent again)"}});
  }
  log.info("imap connected", {{"host", imap_config_.host},
                              {"port", imap_config_.effective_port()},
                              {"mailbox", imap_config_.mailbox},
                              {"uidvalidity", status.uidvalidity},
                              {"exists", status.exists}});
  if (config_.mode == Mode::idle && !session.has_capability("IDLE") && !warned_no_idle_) {
    warned_no_idle_ = true;
    auto interval = config_.poll_interval.count() > 0 ? config_.poll_interval
                                                      : std::chrono::milliseconds(kFallbackPollInterval);
    log.warn("server does not support IDLE", {{"next", "polling every " + seconds_text(interval)}});
  }
  session_.emplace(std::move(session));
  return true;
}

void Worker::scan() {
  std::vector<imap::Uid> uids = session_->uid_search(filter_.search_query());
  const std::size_t unseen = uids.size();
  if (!unfinished_.empty()) {
    uids.insert(uids.end(), unfinished_.begin(), unfinished_.end());
    unfinished_.clear();
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  kept_ = std::move(uids);
  {
    std::lock_guard lock(m_);
    ++stats_.scans;
    retry_woke_ = false;
  }
  deps_.logger.debug("searched", {{"unseen", unseen}, {"kept", kept_.size()}});
  dispatch_kept(true);
}

void Worker::dispatch_kept(bool after_search) {
  const auto& log = deps_.logger;
  const std::size_t found = kept_.size();
  std::size_t dispatched = 0, in_flight = 0, waiting = 0;
  bool deferred = false;
  const auto now = deps_.clock.now();
  std::vector<imap::Uid> rest;
  for (imap::Uid uid : kept_) {
    if (deferred) {
      rest.push_back(uid);
      continue;
    }
    if (deps_.retries && !deps_.retries->due(uid, now)) {
      ++waiting;  // failed transiently; the search after its time finds it again
      continue;
    }
    if (!deps_.tracker.try_acquire(uid)) {
      ++in_flight;  // an answer worker owns it already
      continue;
    }
    if (!deps_.queue.try_push(uid)) {
      deps_.tracker.release(uid);
      deferred = true;  // the rest waits for a free slot (notify_slot_freed)
      rest.push_back(uid);
      continue;
    }
    ++dispatched;
    log.debug("dispatched", {{"uid", uid}});
  }
  kept_ = std::move(rest);
  {
    std::lock_guard lock(m_);
    if (!after_search) ++stats_.slot_rounds;
    stats_.dispatched += dispatched;
    if (deferred) ++stats_.deferred_scans;
    if (after_search) stats_.waiting_retry = waiting;
    deferred_ = deferred;
    if (!deferred) wake_pending_ = false;
  }
  if (after_search && found > 0) {
    log.info("scanned", {{"found", found},
                         {"dispatched", dispatched},
                         {"in_flight", in_flight},
                         {"waiting_retry", waiting},
                         {"deferred", kept_.size()}});
  }
}

bool Worker::wait_for_slot(std::stop_token stop) {
  std::stop_token wake = begin_wait();
  std::stop_source either;
  std::stop_callback on_stop(stop, [&] { either.request_stop(); });
  std::stop_callback on_wake(wake, [&] { either.request_stop(); });
  const bool timed_out = deps_.clock.sleep_for(bounded_wait(config_.idle_refresh), either.get_token());
  if (timed_out || stop.stop_requested()) return false;
  std::lock_guard lock(m_);
  return !retry_woke_;
}

void Worker::wait_for_news(imap::Session& session, bool use_idle, std::stop_token stop) {
  std::stop_token wake = begin_wait();
  std::stop_source either;
  std::stop_callback on_stop(stop, [&] { either.request_stop(); });
  std::stop_callback on_wake(wake, [&] { either.request_stop(); });
  if (use_idle) {
    auto result = session.idle(bounded_wait(config_.idle_refresh), either.get_token());
    if (result == imap::Session::IdleResult::timed_out) {
      deps_.logger.debug("idle refreshed");
    }
    return;
  }
  auto interval = config_.poll_interval.count() > 0 ? config_.poll_interval
                                                    : std::chrono::milliseconds(kFallbackPollInterval);
  deps_.clock.sleep_for(bounded_wait(interval), either.get_token());
}

std::chrono::milliseconds Worker::bounded_wait(std::chrono::milliseconds limit) {
  if (!deps_.retries) return limit;
  const auto now = deps_.clock.now();
  auto next = deps_.retries->next_after(now);
  if (!next) return limit;
  // +1 ms so the retry is due when the scan runs; at least 10 ms so a burst of
  // retries never turns into a busy loop.
  auto until = std::chrono::ceil<std::chrono::milliseconds>(*next - now) + std::chrono::milliseconds(1);
  return std::clamp(until, std::chrono::milliseconds(10), limit);
}

}  // namespace raven::intake
