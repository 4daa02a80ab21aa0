// raven-bench-journal — what the journal (src/store) costs per message.
//
// Why: a profile of raven-bench's 1,000-message run put the journal at ~45 %
// of Raven's CPU (SQL compiled again on every call, an fdatasync per commit
// under the journal's one mutex). This measures the journal alone, without
// servers, so a change to src/store can be judged in seconds.
//
// What it runs: for each of N messages, the sequence an answer worker runs on
// the happy path (src/answer/worker.cpp): get, find_by_message_id,
// begin_answering (insert in answering with the origin), begin_sending (with
// the tokens), sending -> sent, sent -> done. N messages are shared by T
// threads on one Journal, as Raven's workers share one. The journal is a
// fresh file in a temp dir on the disk (TMPDIR, or --dir), so its fsyncs are
// real; the file system type is printed, with a warning for a RAM disk.
//
// What it prints, over the loop only (opening and closing the journal,
// which create the schema and checkpoint, are outside):
//  - CPU per message: CLOCK_PROCESS_CPUTIME_ID (all threads, user + system,
//    nanosecond resolution) / N, and roughly how much of it was the kernel's
//    (getrusage: fdatasync, pwrite, futex);
//  - wall per message: elapsed time / N (with T threads at once, so it is
//    the inverse of throughput, not one message's latency), and the p50 and
//    p99 of one message's sequence;
//  - fsyncs per message: counted by wrapping fdatasync() and fsync() in this
//    executable. SQLite (a shared library) calls the libc functions by name,
//    so the dynamic linker binds its calls to the definitions below, which
//    count and then call libc's. `strace -f -c -e trace=fdatasync,fsync`
//    on this program gives the same numbers.
//
// Usage: raven-bench-journal [--messages N] [--threads T] [--dir DIR] [--keep]
// Exit status 0; 1 if a step did not do what the worker expects (the figures
// would then be meaningless); 2 for a usage error. Timings never fail it.
#include <dlfcn.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/journal.hpp"

// ---- counting fsyncs ----------------------------------------------------------

namespace {
std::atomic<std::uint64_t> g_fdatasyncs{0};
std::atomic<std::uint64_t> g_fsyncs{0};

using SyncFn = int (*)(int);

// libc's own function, found once. RTLD_NEXT: the next definition after
// this executable's, i.e. libc's.
SyncFn next_sync(const char* name) {
  void* fn = ::dlsym(RTLD_NEXT, name);
  if (fn == nullptr) {
    std::fprintf(stderr, "raven-bench-journal: dlsym(%s) failed\n", name);
    std::abort();
  }
  return reinterpret_cast<SyncFn>(fn);
}
}  // namespace

extern "C" int fdatasync(int fd) {
  static const SyncFn real = next_sync("fdatasync");
  g_fdatasyncs.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}

extern "C" int fsync(int fd) {
  static const SyncFn real = next_sync("fsync");
  g_fsyncs.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}

namespace {

namespace fs = std::filesystem;
using raven::store::Journal;
using raven::store::Key;
using raven::store::State;

struct Options {
  int messages = 1000;
  int threads = 4;
  std::string dir;  // empty: a fresh one under temp_directory_path()
  bool keep = false;
};

const char* const kUsage =
    "usage: raven-bench-journal [--messages N] [--threads T] [--dir DIR] [--keep]\n"
    "  default: 1000 messages, 4 threads, a fresh dir under $TMPDIR (or /tmp)\n"
    "  --dir DIR  put the journal in DIR (it must exist; journal.db there is replaced)\n"
    "  --keep     keep the temp dir\n";

bool parse_int(std::string_view text, int min, int& out) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(std::string(text), &used);
    if (used != text.size() || v < min) return false;
    out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--messages" && has_value) {
      if (!parse_int(argv[++i], 1, o.messages)) return false;
    } else if (arg == "--threads" && has_value) {
      if (!parse_int(argv[++i], 1, o.threads)) return false;
    } else if (arg == "--dir" && has_value) {
      o.dir = argv[++i];
    } else if (arg == "--keep") {
      o.keep = true;
    } else {
      return false;
    }
  }
  return true;
}

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The kernel's share of the CPU (getrusage; the split between user and
// system is sampled at ticks, so it is approximate; the total above is not).
double system_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
}

// statfs(2) magic numbers of the file systems worth naming.
std::string file_system(const fs::path& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53UL: return "ext4";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x01021994UL: return "tmpfs (RAM: fsyncs cost nothing here)";
    case 0x858458F6UL: return "ramfs (RAM: fsyncs cost nothing here)";
    case 0x794C7630UL: return "overlayfs";
    default: {
      char buf[32];
      (void)std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(st.f_type));
      return buf;
    }
  }
}

void expect(bool ok, const char* step) {
  if (!ok) throw std::runtime_error(std::string("step did not do what a worker expects: ") + step);
}

// The worker's happy path for one message (src/answer/worker.cpp).
void one_message(Journal& journal, std::uint32_t uid) {
  const Key key{"INBOX", 1, uid};
  const std::string id = "bench-" + std::to_string(uid) + "@example.com";
  expect(!journal.get(key), "get (new message)");
  for (const auto& other : journal.find_by_message_id(id)) expect(other.key == key, "find_by_message_id");
  expect(journal.begin_answering(key, id, {"alice@example.com", id}), "begin_answering");
  expect(journal.begin_sending(key, {State::answering}, "reply-" + id, 321).claimed, "begin_sending");
  expect(journal.transition(key, {State::sending}, State::sent), "sending -> sent");
  expect(journal.transition(key, {State::sent}, State::done, {.clear_next_attempt = true}), "sent -> done");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run(const Options& o) {
  fs::path dir;
  bool made = false;
  if (o.dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "raven-bench-journal-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed in " + pattern);
    dir = pattern;
    made = true;
  } else {
    dir = o.dir;
  }
  const fs::path file = dir / "journal.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);

  std::printf("journal bench: %d messages, %d threads, %s (%s)\n", o.messages, o.threads, file.c_str(),
              file_system(dir).c_str());
  raven::store::Config config;
  config.path = file.string();

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(o.threads));
  std::atomic<int> next{0};
  std::atomic<bool> broken{false};
  std::string first_error;
  double cpu = 0;
  double sys = 0;
  double wall = 0;
  std::uint64_t fdatasyncs = 0;
  std::uint64_t fsyncs = 0;
  {
    Journal journal(config);
    const std::uint64_t fdatasyncs0 = g_fdatasyncs.load();
    const std::uint64_t fsyncs0 = g_fsyncs.load();
    const double cpu0 = cpu_seconds();
    const double sys0 = system_seconds();
    const auto start = std::chrono::steady_clock::now();
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < o.threads; ++t) {
        threads.emplace_back([&, t] {
          auto& mine = latencies[static_cast<std::size_t>(t)];
          for (int i = next++; i < o.messages && !broken; i = next++) {
            const auto begin = std::chrono::steady_clock::now();
            try {
              one_message(journal, static_cast<std::uint32_t>(i + 1));
            } catch (const std::exception& e) {
              if (!broken.exchange(true)) first_error = e.what();
              return;
            }
            mine.push_back(
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin).count());
          }
        });
      }
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu = cpu_seconds() - cpu0;
    sys = system_seconds() - sys0;
    fdatasyncs = g_fdatasyncs.load() - fdatasyncs0;
    fsyncs = g_fsyncs.load() - fsyncs0;
  }
  if (made && !o.keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  if (broken) {
    std::fprintf(stderr, "raven-bench-journal: %s\n", first_error.c_str());
    return 1;
  }

  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  const double n = o.messages;
  std::printf("cpu per message      %8.1f us   (process CPU, all threads, user + system; system ~%.1f us)\n",
              cpu / n * 1e6, sys / n * 1e6);
  std::printf("wall per message     %8.1f us   (elapsed / messages, %d threads at once)\n", wall / n * 1e6,
              o.threads);
  std::printf("one message's steps  %8.1f us p50, %.1f us p99\n", percentile(all, 0.50),
              percentile(all, 0.99));
  std::printf("fsyncs per message   %8.2f      (fdatasync %llu, fsync %llu, counted in libc calls)\n",
              static_cast<double>(fdatasyncs + fsyncs) / n, static_cast<unsigned long long>(fdatasyncs),
              static_cast<unsigned long long>(fsyncs));
  std::printf("journal-bench: cpu_us_per_msg=%.1f wall_us_per_msg=%.1f fsyncs_per_msg=%.2f\n", cpu / n * 1e6,
              wall / n * 1e6, static_cast<double>(fdatasyncs + fsyncs) / n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raven-bench-journal: %s\n", e.what());
    return 1;
  }
}
