#include "procfs.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace raven::bench {
namespace {

struct StatLine {
  pid_t ppid = -1;
  unsigned long long own_ticks = 0;       // utime + stime (fields 14, 15)
  unsigned long long children_ticks = 0;  // cutime + cstime (fields 16, 17): reaped children
};

double ticks_to_seconds(unsigned long long ticks) {
  static const long per_second = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(ticks) / static_cast<double>(per_second > 0 ? per_second : 100);
}

// /proc/<pid>/stat; field 2 (the command) is in parentheses and may contain
// spaces, so fields are counted from the last ')'.
std::optional<StatLine> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields{"", "", ""};  // fields 0-2 unused: numbering starts at 3
  std::string field;
  while (fields.size() <= 17 && rest >> field) fields.push_back(field);
  if (fields.size() <= 17) return std::nullopt;
  try {
    StatLine s;
    s.ppid = static_cast<pid_t>(std::stol(fields[4]));
    s.own_ticks = std::stoull(fields[14]) + std::stoull(fields[15]);
    s.children_ticks = std::stoull(fields[16]) + std::stoull(fields[17]);
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Every process's stat line, by pid: one pass over /proc for a whole tree.
std::map<pid_t, StatLine> all_processes() {
  std::map<pid_t, StatLine> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || end != name.data() + name.size()) continue;
    if (auto stat = read_stat(pid)) out.emplace(pid, *stat);
  }
  return out;
}

}  // namespace

std::optional<double> process_cpu_seconds(pid_t pid) {
  auto stat = read_stat(pid);
  if (!stat) return std::nullopt;
  return ticks_to_seconds(stat->own_ticks);
}

double tree_cpu_seconds(pid_t root) {
  const auto procs = all_processes();
  std::vector<pid_t> todo{root};
  unsigned long long ticks = 0;
  while (!todo.empty()) {
    const pid_t pid = todo.back();
    todo.pop_back();
    auto it = procs.find(pid);
    if (it == procs.end()) continue;
    ticks += it->second.own_ticks + it->second.children_ticks;
    for (const auto& [child, stat] : procs) {
      if (stat.ppid == pid) todo.push_back(child);
    }
  }
  return ticks_to_seconds(ticks);
}

std::optional<long> status_kib(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      try {
        return std::stol(line.substr(field.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

double self_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace raven::bench
