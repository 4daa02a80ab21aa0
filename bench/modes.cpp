#include "modes.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "corpus.hpp"
#include "procfs.hpp"
#include "replies.hpp"
#include "sink_watch.hpp"

namespace raven::bench {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr double kMiB = 1024.0;  // /proc reports KiB

void progress(const Settings& settings, const std::string& text) {
  if (settings.verbose) std::cerr << "raven-bench: " << text << std::endl;
}

std::string fmt_ms(double ms) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%.1f", ms);
  return buf;
}

[[noreturn]] void fail(Rig& rig, const std::string& what) {
  throw std::runtime_error(what + "\n  raven's log, last lines:\n" + rig.raven_log_tail());
}

RigOptions rig_options(const Settings& settings, const char* log_level, const char* mode, int run) {
  return {.raven_binary = settings.raven_binary,
          .workers = settings.workers,
          .queue = settings.queue,
          .log_level = log_level,
          .keep_dir = settings.keep_dir,
          .label = std::string(mode) + "-" + std::to_string(run),
          .journal_dir = settings.journal_dir};
}

void start_and_wait_connected(Rig& rig) {
  rig.start_raven();
  if (!rig.wait_for_log("imap connected", 20s)) fail(rig, "raven did not connect within 20 s");
}

// Until Raven's CPU counter has not moved for 300 ms (at most 5 s): the
// flags and journal commits after the last reply belong to the run.
void wait_until_quiet(pid_t pid) {
  auto last = process_cpu_seconds(pid).value_or(0);
  auto still_since = Steady::now();
  for (const auto deadline = Steady::now() + 5s; Steady::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    const auto now = process_cpu_seconds(pid).value_or(0);
    if (now != last) {
      last = now;
      still_since = Steady::now();
    } else if (Steady::now() - still_since >= 300ms) {
      return;
    }
  }
}

// The highest VmRSS of a process, sampled every 5 ms on a thread of its own
// until stop(). VmHWM cannot tell one message's peak from an earlier one.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid)
      : thread_([this, pid](const std::stop_token& stop) {
          while (!stop.stop_requested()) {
            if (auto kib = status_kib(pid, "VmRSS")) {
              long seen = peak_.load();
              while (*kib > seen && !peak_.compare_exchange_weak(seen, *kib)) {
              }
            }
            std::this_thread::sleep_for(5ms);
          }
        }) {}
  long stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    return peak_.load();
  }

 private:
  std::atomic<long> peak_{0};
  std::jthread thread_;  // last
};

// `count` plain messages, answered before the measurement starts, so every
// worker has opened its IMAP session, SMTP connection and HTTP handle (with
// all messages queued at once, each idle worker takes one), and Raven's
// allocator has reached its working size.
// Returns their Message-IDs, which the reply check expects too.
std::vector<std::string> warm_up(Rig& rig, const SinkWatch& watch, std::size_t count) {
  std::vector<std::string> messages;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) {
    messages.push_back(make_bench_message("warmup", i * 10));  // multiples of 10: all plain
    ids.push_back(message_id("warmup", i * 10));
  }
  const std::size_t before = watch.count();
  rig.deliver_all(messages, 1);
  if (!watch.wait_for(before + count, 60s, [&] { return rig.raven_running(); })) {
    fail(rig, "warm-up: the replies did not arrive within 60 s");
  }
  // Raven sets flags after each reply; Dovecot tells its IDLE session 500 ms
  // later, and Raven scans once more. Let all of that pass.
  std::this_thread::sleep_for(1500ms);
  return ids;
}

// "2026-11-28T13:20:01.123Z" (raven's log ts) → a wall-clock time.
std::optional<WallTime> parse_ts(const std::string& ts) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(ts.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return WallClock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(millis);
}

// uid → when Raven's intake logged `dispatched` for it (log.level debug).
std::map<std::uint32_t, WallTime> dispatch_times(const std::string& log) {
  static const std::regex kLine(R"(^ts=(\S+) level=debug msg=dispatched .*\buid=([0-9]+))");
  std::map<std::uint32_t, WallTime> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kLine)) continue;
    if (auto at = parse_ts(m[1].str())) out.emplace(static_cast<std::uint32_t>(std::stoul(m[2].str())), *at);
  }
  return out;
}

// uid → the steps of its `answer steps` debug line in ms, in the line's
// order (fetch_us=5932 → {"fetch", 5.932}); total_us is left out.
std::map<std::uint32_t, Figures> answer_steps(const std::string& log) {
  static const std::regex kLine(R"(^ts=\S+ level=debug msg="answer steps" .*\buid=([0-9]+))");
  static const std::regex kStep(R"(\b(\w+)_us=([0-9]+))");
  std::map<std::uint32_t, Figures> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kLine)) continue;
    Figures steps;
    for (std::sregex_iterator it(line.begin(), line.end(), kStep), end; it != end; ++it) {
      if ((*it)[1] != "total") steps.emplace_back((*it)[1].str(), std::stod((*it)[2].str()) / 1000);
    }
    out.emplace(static_cast<std::uint32_t>(std::stoul(m[1].str())), std::move(steps));
  }
  return out;
}

// One message's steps summed by kind (step_kind): until the sink accepted
// the reply (the steps through smtp) and after it.
std::pair<Figures, Figures> sums_by_kind(const Figures& steps) {
  const Figures zero{{"raven", 0}, {"journal sync", 0}, {"servers", 0}};
  std::pair<Figures, Figures> out{zero, zero};
  Figures* phase = &out.first;
  for (const auto& [step, ms] : steps) {
    for (auto& [kind, sum] : *phase) {
      if (kind == step_kind(step)) sum += ms;
    }
    if (step == "smtp") phase = &out.second;
  }
  return out;
}

double p50(std::vector<double> values) {
  return percentile(std::move(values), 50);
}

// LatencyResult's step figures from the measured messages' steps.
void add_step_figures(LatencyResult& r, const std::vector<Figures>& steps) {
  std::vector<Figures> until;
  std::vector<Figures> after;
  for (const Figures& message : steps) {
    auto [u, a] = sums_by_kind(message);
    until.push_back(std::move(u));
    after.push_back(std::move(a));
  }
  r.stepped = steps.size();
  r.step_p50_ms = by_name(steps, p50);
  r.until_accepted_p50_ms = by_name(until, p50);
  r.after_accepted_p50_ms = by_name(after, p50);
}

template <typename Result>
void copy_counts(Result& result, const ReplyCheck& check) {
  result.missing = check.missing;
  result.duplicates = check.duplicates;
  result.strays = check.strays;
}

}  // namespace

std::string_view step_kind(std::string_view step) {
  for (std::string_view s : {"fetch", "llm", "smtp", "sent_copy", "flags"}) {
    if (step == s) return "servers";
  }
  if (step == "claim" || step == "sent") return "journal sync";
  for (std::string_view s : {"parse", "journal", "policy", "compose", "done"}) {
    if (step == s) return "raven";
  }
  return {};
}

ThroughputResult run_throughput(const Settings& settings, int run) {
  ThroughputResult r;
  r.messages = settings.throughput_messages;
  Rig rig(rig_options(settings, "info", "throughput", run));
  const std::string tag = "t" + std::to_string(run);
  std::vector<std::string> messages;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < r.messages; ++i) {
    messages.push_back(make_bench_message(tag, i));
    ids.push_back(message_id(tag, i));
  }
  progress(settings, "throughput run " + std::to_string(run) + ": delivering " + std::to_string(r.messages) +
                         " messages");
  const auto deliver_start = Steady::now();
  rig.deliver_all(messages, 2);
  r.deliver_s = std::chrono::duration<double>(Steady::now() - deliver_start).count();
  messages.clear();

  SinkWatch watch(rig.sink().maildir());
  const ServerCpu cpu0 = rig.server_cpu();
  const auto log_offset = rig.dovecot_log_offset();
  const WallTime t0 = WallClock::now();
  rig.start_raven();
  const pid_t pid = rig.raven_pid();
  progress(settings, "raven started (pid " + std::to_string(pid) + "); waiting for the replies");
  const auto timeout = 120s + std::chrono::milliseconds(200) * r.messages;
  const bool complete =
      watch.wait_for(r.messages, std::chrono::duration_cast<std::chrono::milliseconds>(timeout),
                     [&] { return rig.raven_running(); });
  if (!rig.raven_running()) fail(rig, "raven exited during the throughput run");
  wait_until_quiet(pid);

  r.raven_cpu_s = process_cpu_seconds(pid).value_or(0);
  r.peak_rss_mb = static_cast<double>(status_kib(pid, "VmHWM").value_or(0)) / kMiB;
  r.rss_anon_mb = static_cast<double>(status_kib(pid, "RssAnon").value_or(0)) / kMiB;
  const ServerCpu cpu1 = rig.server_cpu();
  r.servers = {cpu1.dovecot - cpu0.dovecot, cpu1.sink - cpu0.sink, cpu1.llm - cpu0.llm};
  const auto arrivals = watch.arrivals();
  rig.stop_raven();
  r.imap = rig.imap_bytes_since(log_offset);

  WallTime last = t0;
  for (const auto& a : arrivals) last = std::max(last, a.at);
  r.wall_s = std::chrono::duration<double>(last - t0).count();
  const ReplyCheck check = check_replies(rig.sink().maildir(), arrivals, ids);
  copy_counts(r, check);
  const auto n = static_cast<double>(r.messages);
  r.msgs_per_s = r.wall_s > 0 ? static_cast<double>(check.first_reply_at.size()) / r.wall_s : 0;
  r.cpu_ms_per_msg = r.raven_cpu_s * 1000 / n;
  const double servers = r.servers.dovecot + r.servers.sink + r.servers.llm;
  r.servers_ms_per_msg = servers * 1000 / n;
  r.servers_share = servers + r.raven_cpu_s > 0 ? servers / (servers + r.raven_cpu_s) : 0;
  if (!complete)
    progress(settings, "throughput run " + std::to_string(run) + ": timed out; counting what arrived");
  return r;
}

LatencyResult run_latency(const Settings& settings, int run) {
  LatencyResult r;
  r.messages = settings.latency_messages;
  Rig rig(rig_options(settings, "debug", "latency", run));
  start_and_wait_connected(rig);
  SinkWatch watch(rig.sink().maildir());
  const std::size_t warmups = 2 * std::size_t{settings.workers};
  progress(settings, "latency run " + std::to_string(run) + ": warming up with " + std::to_string(warmups) +
                         " messages");
  const std::vector<std::string> warmup_ids = warm_up(rig, watch, warmups);

  const std::string tag = "l" + std::to_string(run);
  std::vector<std::string> ids;
  std::vector<WallTime> delivered;
  progress(settings, "delivering " + std::to_string(r.messages) + " messages, one every " +
                         std::to_string(settings.latency_gap.count()) + " ms");
  const auto start = Steady::now();
  for (std::size_t i = 0; i < r.messages; ++i) {
    std::this_thread::sleep_until(start + settings.latency_gap * static_cast<long>(i));
    const std::string message = make_bench_message(tag, i);
    rig.dovecot().deliver(message);
    delivered.push_back(WallClock::now());  // LMTP said 250: the message is in the mailbox
    ids.push_back(message_id(tag, i));
  }
  if (!watch.wait_for(warmups + r.messages, 60s, [&] { return rig.raven_running(); })) {
    progress(settings, "latency run " + std::to_string(run) + ": not every reply arrived within 60 s");
  }
  std::this_thread::sleep_for(200ms);  // a late duplicate would show up now
  const auto arrivals = watch.arrivals();
  rig.stop_raven();
  const std::string log = rig.raven_log();
  const auto dispatched = dispatch_times(log);
  const auto answered = answer_steps(log);

  std::vector<std::string> expected = warmup_ids;
  expected.insert(expected.end(), ids.begin(), ids.end());
  const ReplyCheck check = check_replies(rig.sink().maildir(), arrivals, expected);
  copy_counts(r, check);
  std::vector<double> from_dispatch;
  std::vector<double> e2e;
  std::vector<double> notice;
  std::vector<Figures> steps;
  for (std::size_t i = 0; i < r.messages; ++i) {
    auto reply = check.first_reply_at.find(ids[i]);
    if (reply == check.first_reply_at.end()) continue;
    // A fresh mailbox, delivered one at a time: UIDs count deliveries from 1.
    const auto uid = static_cast<std::uint32_t>(warmups + i + 1);
    e2e.push_back(ms_between(delivered[i], reply->second));
    auto d = dispatched.find(uid);
    if (d != dispatched.end()) {
      from_dispatch.push_back(ms_between(d->second, reply->second));
      notice.push_back(ms_between(delivered[i], d->second));
      if (auto a = answered.find(uid); a != answered.end()) steps.push_back(a->second);
    }
    if (settings.trace) {
      std::cerr << "raven-bench: trace uid=" << uid << " delivered=0 dispatched="
                << (d != dispatched.end() ? fmt_ms(ms_between(delivered[i], d->second)) : "-")
                << " reply=" << fmt_ms(ms_between(delivered[i], reply->second)) << " ms\n";
    }
  }
  r.p50_ms = percentile(from_dispatch, 50);
  r.p95_ms = percentile(from_dispatch, 95);
  r.max_ms = percentile(from_dispatch, 100);
  r.e2e_p50_ms = percentile(e2e, 50);
  r.e2e_p95_ms = percentile(e2e, 95);
  r.e2e_max_ms = percentile(e2e, 100);
  r.notice_p50_ms = percentile(notice, 50);
  r.notice_max_ms = percentile(notice, 100);
  add_step_figures(r, steps);
  return r;
}

BigMailResult run_bigmail(const Settings& settings, int run) {
  BigMailResult r;
  Rig rig(rig_options(settings, "info", "bigmail", run));
  const auto log_offset = rig.dovecot_log_offset();
  start_and_wait_connected(rig);
  const pid_t pid = rig.raven_pid();
  SinkWatch watch(rig.sink().maildir());
  const std::size_t warmups = 2 * std::size_t{settings.workers};
  progress(settings, "big-mail run " + std::to_string(run) + ": warming up with " + std::to_string(warmups) +
                         " messages");
  std::vector<std::string> expected = warm_up(rig, watch, warmups);

  const std::string tag = "b" + std::to_string(run);
  const std::string message = make_attachment_message(tag, 0, settings.big_attachment_bytes);
  r.message_bytes = message.size();
  r.rss_before_mb = static_cast<double>(status_kib(pid, "VmRSS").value_or(0)) / kMiB;
  const auto sent0 = rig.imaps_bytes_sent();
  progress(settings, "delivering one message of " + std::to_string(r.message_bytes) + " bytes");
  RssSampler sampler(pid);
  rig.dovecot().deliver(message);
  const WallTime t0 = WallClock::now();
  const bool replied = watch.wait_for(warmups + 1, 60s, [&] { return rig.raven_running(); });
  wait_until_quiet(pid);
  r.rss_peak_mb = static_cast<double>(sampler.stop()) / kMiB;
  r.rss_after_mb = static_cast<double>(status_kib(pid, "VmRSS").value_or(0)) / kMiB;
  for (const auto& [peer, bytes] : rig.imaps_bytes_sent()) {
    auto before = sent0.find(peer);
    r.raven_read += bytes - (before == sent0.end() ? 0 : std::min(bytes, before->second));
  }
  r.rss_change_mb = r.rss_peak_mb - r.rss_before_mb;
  const auto arrivals = watch.arrivals();
  if (replied && !arrivals.empty())
    r.seconds = std::chrono::duration<double>(arrivals.back().at - t0).count();
  rig.stop_raven();
  r.imap = rig.imap_bytes_since(log_offset);
  expected.push_back(message_id(tag, 0));
  const ReplyCheck check = check_replies(rig.sink().maildir(), arrivals, expected);
  copy_counts(r, check);
  return r;
}

}  // namespace raven::bench
