// raven-bench — issue 7's benchmark: throughput, latency and big mail, each
// against fresh private servers, each run three times, medians reported.
//
// Usage: raven-bench [--raven PATH] [--quick | --smoke] [--runs N]
//                    [--modes throughput,latency,bigmail] [--messages N]
//                    [--latency-messages N] [--gap-ms N] [--workers N]
//                    [--big-mb N] [--keep DIR] [--trace] [--queue N] [--journal-dir DIR] [--quiet]
// bench/run builds Raven and this driver in Release and runs it; bench/README.md
// explains every figure. The last line is for machines:
//   bench: cpu_ms_per_msg=… peak_rss_mb=… msgs_per_s=… p50_ms=… p95_ms=… missing=… duplicates=…
// Exit status: 0 when every run completed with no missing, duplicate or stray
// reply (timings never fail it); 1 otherwise; 2 for a usage error.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "modes.hpp"
#include "replies.hpp"

#ifndef RAVEN_BENCH_RAVEN
#error "RAVEN_BENCH_RAVEN must name the raven executable ($<TARGET_FILE:raven>)"
#endif

namespace {

using namespace raven::bench;

struct Options {
  Settings settings;
  int runs = 3;
  bool throughput = true, latency = true, bigmail = true;
};

const char* const kUsage =
    "usage: raven-bench [--raven PATH] [--quick | --smoke] [--runs N]\n"
    "                   [--modes throughput,latency,bigmail] [--messages N] [--latency-messages N]\n"
    "                   [--gap-ms N] [--workers N] [--big-mb N] [--keep DIR] [--trace]\n"
    "                   [--queue N] [--journal-dir DIR] [--quiet]\n"
    "  default: every mode three times (1000 / 50 messages, 4 workers, 25 MB), medians\n"
    "  --quick  one run of each mode, 200 / 20 messages (a smoke test of the harness)\n"
    "  --smoke  one throughput run of 20 messages: checks only missing=0 duplicates=0\n"
    "  --keep DIR  copy each run's raven.yaml, raven.log and dovecot.log to DIR/<mode>-<run>/\n"
    "  --trace  latency: one line per message: ms from delivery to dispatch and to reply\n"
    "  --journal-dir DIR  put Raven's journal in DIR (e.g. /dev/shm: what do its fsyncs cost?)\n"
    "  --queue N  answer.queue for Raven (default: Raven's own, 16)\n";

std::string fmt(double value, int decimals = 2) {
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  std::string five;
  std::string fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// The options, or nullopt for --help. Throws std::invalid_argument.
std::optional<Options> parse(int argc, char** argv) {
  Options o;
  o.settings.raven_binary = RAVEN_BENCH_RAVEN;
  o.settings.verbose = true;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    auto number = [&]() -> std::size_t { return std::stoul(value()); };
    if (a == "--raven") {
      o.settings.raven_binary = value();
    } else if (a == "--runs") {
      o.runs = static_cast<int>(number());
    } else if (a == "--messages") {
      o.settings.throughput_messages = number();
    } else if (a == "--latency-messages") {
      o.settings.latency_messages = number();
    } else if (a == "--gap-ms") {
      o.settings.latency_gap = std::chrono::milliseconds(number());
    } else if (a == "--workers") {
      o.settings.workers = static_cast<unsigned>(number());
    } else if (a == "--queue") {
      o.settings.queue = static_cast<unsigned>(number());
    } else if (a == "--big-mb") {
      o.settings.big_attachment_bytes = number() * 1000 * 1000;
    } else if (a == "--quiet") {
      o.settings.verbose = false;
    } else if (a == "--trace") {
      o.settings.trace = true;
    } else if (a == "--keep") {
      o.settings.keep_dir = value();
    } else if (a == "--journal-dir") {
      o.settings.journal_dir = value();
    } else if (a == "--quick") {
      o.runs = 1;
      o.settings.throughput_messages = 200;
      o.settings.latency_messages = 20;
    } else if (a == "--smoke") {
      o.runs = 1;
      o.settings.throughput_messages = 20;
      o.latency = o.bigmail = false;
    } else if (a == "--modes") {
      const std::string list = "," + value() + ",";
      o.throughput = list.find(",throughput,") != std::string::npos;
      o.latency = list.find(",latency,") != std::string::npos;
      o.bigmail = list.find(",bigmail,") != std::string::npos;
    } else if (a == "--help" || a == "-h") {
      return std::nullopt;
    } else {
      throw std::invalid_argument("unknown argument " + a);
    }
  }
  if (o.runs < 1 || o.settings.workers < 1 || o.settings.throughput_messages < 1 ||
      o.settings.latency_messages < 1) {
    throw std::invalid_argument("--runs, --workers and message counts must be at least 1");
  }
  return o;
}

// Runs `body` `runs` times, printing each result with `describe` (each line
// of it after the first prefixed with "<name> run i/N" too); a run that
// throws is reported and counted as failed.
template <typename Result>
std::vector<Result> repeat(const char* name, int runs, int& failures, const std::function<Result(int)>& body,
                           const std::function<std::string(const Result&)>& describe) {
  std::vector<Result> results;
  for (int run = 1; run <= runs; ++run) {
    try {
      results.push_back(body(run));
      std::istringstream lines(describe(results.back()));
      const char* separator = ": ";
      for (std::string line; std::getline(lines, line); separator = " ") {
        std::cout << name << " run " << run << "/" << runs << separator << line << std::endl;
      }
    } catch (const std::exception& e) {
      ++failures;
      std::cout << name << " run " << run << "/" << runs << " FAILED: " << e.what() << std::endl;
    }
  }
  return results;
}

template <typename Result>
double median_of(const std::vector<Result>& results, double Result::*field) {
  std::vector<double> values;
  for (const auto& r : results) values.push_back(r.*field);
  return median(values);
}

// Each name's median over the runs (runs without it left out).
template <typename Result>
Figures median_figures(const std::vector<Result>& results, Figures Result::*field) {
  std::vector<Figures> sets;
  for (const auto& r : results) sets.push_back(r.*field);
  return by_name(sets, median);
}

template <typename Result>
std::size_t total_of(const std::vector<Result>& results, std::size_t Result::*field) {
  std::size_t sum = 0;
  for (const auto& r : results) sum += r.*field;
  return sum;
}

std::string kb(double bytes) {
  return fmt(bytes / 1024.0, 1) + " KiB";
}

std::string describe_throughput(const ThroughputResult& r) {
  const auto n = static_cast<double>(r.messages);
  return std::to_string(r.messages) + " msgs (delivered in " + fmt(r.deliver_s, 1) + " s) answered in " +
         fmt(r.wall_s) + " s = " + fmt(r.msgs_per_s, 1) + " msgs/s; raven cpu " + fmt(r.raven_cpu_s) +
         " s = " + fmt(r.cpu_ms_per_msg, 3) + " ms/msg, peak rss " + fmt(r.peak_rss_mb, 1) +
         " MiB (anonymous " + fmt(r.rss_anon_mb, 1) + " MiB at the end); servers " +
         fmt(r.servers_ms_per_msg, 2) + " ms/msg (dovecot " + fmt(r.servers.dovecot * 1000 / n, 2) +
         ", sink " + fmt(r.servers.sink * 1000 / n, 2) + ", llm " + fmt(r.servers.llm * 1000 / n, 2) + "), " +
         fmt(r.servers_share * 100, 0) + " % of all cpu; dovecot sent raven " +
         kb(static_cast<double>(r.imap.out) / n) + "/msg over " + std::to_string(r.imap.sessions) +
         " sessions (fetched per msg: headers " + fmt(static_cast<double>(r.imap.hdr_bytes) / n, 0) +
         " B, bodies " + fmt(static_cast<double>(r.imap.body_bytes) / n, 0) + " B); missing " +
         std::to_string(r.missing) + ", duplicates " + std::to_string(r.duplicates) + ", strays " +
         std::to_string(r.strays);
}

// "fetch 2.40 parse 0.26 ..." with separator " ", "raven 1.30, journal sync ..." with ", ".
std::string list(const Figures& figures, const std::string& separator) {
  std::string out;
  for (const auto& [name, ms] : figures) out += (out.empty() ? "" : separator) + name + " " + fmt(ms);
  return out;
}

// The second line of a latency run: where the time of a message went.
std::string describe_steps(const LatencyResult& r) {
  if (r.stepped == 0) return "steps: none (no `answer steps` debug lines in raven's log)";
  return "steps (p50 ms over " + std::to_string(r.stepped) + " msgs): " + list(r.step_p50_ms, " ") +
         "; until the sink accepted: " + list(r.until_accepted_p50_ms, ", ") +
         "; after: " + list(r.after_accepted_p50_ms, ", ");
}

std::string describe_latency(const LatencyResult& r) {
  return std::to_string(r.messages) + " msgs; raven dispatched -> reply p50 " + fmt(r.p50_ms, 1) + " p95 " +
         fmt(r.p95_ms, 1) + " max " + fmt(r.max_ms, 1) + " ms; delivery -> reply p50 " +
         fmt(r.e2e_p50_ms, 0) + " p95 " + fmt(r.e2e_p95_ms, 0) + " max " + fmt(r.e2e_max_ms, 0) +
         " ms (of which delivery -> dispatched, Dovecot's IDLE delay: p50 " + fmt(r.notice_p50_ms, 0) +
         " max " + fmt(r.notice_max_ms, 0) + " ms); missing " + std::to_string(r.missing) + ", duplicates " +
         std::to_string(r.duplicates) + ", strays " + std::to_string(r.strays) + "\n" + describe_steps(r);
}

std::string describe_bigmail(const BigMailResult& r) {
  return fmt(static_cast<double>(r.message_bytes) / 1e6, 1) + " MB message answered " + fmt(r.seconds, 2) +
         " s after delivery; dovecot sent raven " + kb(static_cast<double>(r.raven_read)) +
         " over TCP while it answered; over the whole run it sent " + kb(static_cast<double>(r.imap.out)) +
         " (" + std::to_string(r.imap.sessions) + " sessions, warm-up included; fetched: headers " +
         std::to_string(r.imap.hdr_bytes) + " B, bodies " + std::to_string(r.imap.body_bytes) + " B); rss " +
         fmt(r.rss_before_mb, 1) + " -> peak " + fmt(r.rss_peak_mb, 1) + " -> " + fmt(r.rss_after_mb, 1) +
         " MiB (change " + fmt(r.rss_change_mb, 2) + " MiB); missing " + std::to_string(r.missing) +
         ", duplicates " + std::to_string(r.duplicates) + ", strays " + std::to_string(r.strays);
}

void row(const std::string& figure, const std::string& value, const std::string& target) {
  std::printf("  %-44s %14s   %s\n", figure.c_str(), value.c_str(), target.c_str());
}

std::string verdict(bool met) {
  return met ? "(met)" : "(NOT met)";
}

}  // namespace

int main(int argc, char** argv) {
  (void)std::signal(SIGPIPE, SIG_IGN);
  Options o;
  try {
    auto parsed = parse(argc, argv);
    if (!parsed) {
      std::cout << kUsage;
      return 0;
    }
    o = *parsed;
  } catch (const std::exception& e) {
    std::cerr << "raven-bench: " << e.what() << "\n" << kUsage;
    return 2;
  }
  std::cout << "raven-bench: " << o.settings.raven_binary << "; " << std::thread::hardware_concurrency()
            << " CPUs; load average " << load_average() << " (1, 5, 15 min) at the start; " << o.runs
            << (o.runs == 1 ? " run" : " runs") << " per mode" << std::endl;

  int failures = 0;
  std::vector<ThroughputResult> tp;
  std::vector<LatencyResult> lat;
  std::vector<BigMailResult> big;
  if (o.throughput) {
    tp = repeat<ThroughputResult>(
        "throughput", o.runs, failures, [&](int run) { return run_throughput(o.settings, run); },
        describe_throughput);
  }
  if (o.latency) {
    lat = repeat<LatencyResult>(
        "latency", o.runs, failures, [&](int run) { return run_latency(o.settings, run); }, describe_latency);
  }
  if (o.bigmail) {
    big = repeat<BigMailResult>(
        "big mail", o.runs, failures, [&](int run) { return run_bigmail(o.settings, run); },
        describe_bigmail);
  }

  const std::size_t missing = total_of(tp, &ThroughputResult::missing) +
                              total_of(lat, &LatencyResult::missing) + total_of(big, &BigMailResult::missing);
  const std::size_t duplicates = total_of(tp, &ThroughputResult::duplicates) +
                                 total_of(lat, &LatencyResult::duplicates) +
                                 total_of(big, &BigMailResult::duplicates);
  const std::size_t strays = total_of(tp, &ThroughputResult::strays) + total_of(lat, &LatencyResult::strays) +
                             total_of(big, &BigMailResult::strays);

  std::cout << "\nmedians of " << o.runs << (o.runs == 1 ? " run" : " runs") << " (targets from issue 7):\n";
  std::string cpu = "na";
  std::string rss = "na";
  std::string rate = "na";
  std::string p50 = "na";
  std::string p95 = "na";
  if (!tp.empty()) {
    const double c = median_of(tp, &ThroughputResult::cpu_ms_per_msg);
    const double m = median_of(tp, &ThroughputResult::peak_rss_mb);
    cpu = fmt(c, 3);
    rss = fmt(m, 1);
    rate = fmt(median_of(tp, &ThroughputResult::msgs_per_s), 1);
    row("throughput: wall s", fmt(median_of(tp, &ThroughputResult::wall_s)), "");
    row("throughput: msgs/s", rate, "limited by the servers");
    row("throughput: raven cpu ms/msg", cpu, "<= 0.45 " + verdict(c <= 0.45));
    row("throughput: raven peak rss MiB", rss, "<= 16 " + verdict(m <= 16));
    row("throughput: servers cpu ms/msg", fmt(median_of(tp, &ThroughputResult::servers_ms_per_msg)), "");
    row("throughput: servers' share of all cpu %",
        fmt(median_of(tp, &ThroughputResult::servers_share) * 100, 0), "");
  }
  if (!lat.empty()) {
    const double a = median_of(lat, &LatencyResult::p50_ms);
    const double b = median_of(lat, &LatencyResult::p95_ms);
    p50 = fmt(a, 1);
    p95 = fmt(b, 1);
    row("latency: dispatched -> reply p50 ms", p50, "<= 6 " + verdict(a <= 6));
    row("latency: dispatched -> reply p95 ms", p95, "<= 12 " + verdict(b <= 12));
    row("latency: dispatched -> reply max ms", fmt(median_of(lat, &LatencyResult::max_ms), 1), "");
    row("latency: delivery -> reply p50 ms", fmt(median_of(lat, &LatencyResult::e2e_p50_ms), 0),
        "(with Dovecot's delay)");
    row("latency: delivery -> reply p95 ms", fmt(median_of(lat, &LatencyResult::e2e_p95_ms), 0),
        "(with Dovecot's delay)");
    row("latency: delivery -> dispatched p50 ms", fmt(median_of(lat, &LatencyResult::notice_p50_ms), 0),
        "(Dovecot's delay)");
    for (const auto& [step, ms] : median_figures(lat, &LatencyResult::step_p50_ms)) {
      const std::string kind(step_kind(step));
      row("latency: step " + step + " p50 ms", fmt(ms), "(" + (kind.empty() ? "in no kind" : kind) + ")");
    }
    for (const auto& [kind, ms] : median_figures(lat, &LatencyResult::until_accepted_p50_ms)) {
      row("latency: until accepted: " + kind + " p50 ms", fmt(ms), "");
    }
    for (const auto& [kind, ms] : median_figures(lat, &LatencyResult::after_accepted_p50_ms)) {
      row("latency: after accepted: " + kind + " p50 ms", fmt(ms), "");
    }
  }
  if (!big.empty()) {
    const double change = median_of(big, &BigMailResult::rss_change_mb);
    std::vector<double> read;
    for (const auto& r : big) read.push_back(static_cast<double>(r.raven_read));
    row("big mail: IMAP bytes to raven KiB", fmt(median(read) / 1024, 1),
        "(message " + fmt(static_cast<double>(big.front().message_bytes) / 1e6, 1) + " MB)");
    row("big mail: rss change MiB", fmt(change, 2), "< 2 " + verdict(change < 2));
  }
  row("missing / duplicates / strays (all runs)",
      std::to_string(missing) + " / " + std::to_string(duplicates) + " / " + std::to_string(strays),
      "0 / 0 / 0");
  std::cout << "load average " << load_average() << " (1, 5, 15 min) at the end" << std::endl;
  std::cout << "bench: cpu_ms_per_msg=" << cpu << " peak_rss_mb=" << rss << " msgs_per_s=" << rate
            << " p50_ms=" << p50 << " p95_ms=" << p95 << " missing=" << missing
            << " duplicates=" << duplicates << std::endl;
  return failures == 0 && missing == 0 && duplicates == 0 && strays == 0 ? 0 : 1;
}
