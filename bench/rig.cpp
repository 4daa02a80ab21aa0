#include "rig.hpp"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "procfs.hpp"
#include "support/raven_harness.hpp"

namespace raven::bench {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using testing::yaml_quoted;

// The stand-in's one answer: what a model writes for a help desk, with a
// little Markdown, so that Raven renders HTML as it would for a real model.
constexpr const char* kAnswer =
    "Hello,\n\nthank you for your message. Your order is **on its way**: it left our warehouse yesterday "
    "and should reach you within two working days.\n\n- You do not need to send anything else.\n"
    "- The tracking link is in your confirmation mail.\n\nKind regards,\nThe Example help desk";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

testing::LlmStandinOptions llm_options() {
  testing::LlmStandinOptions o;
  o.script = nlohmann::json{{"responses", nlohmann::json::array()}, {"default", {{"content", kAnswer}}}};
  return o;
}

// LlmStandin keeps its pid to itself; it is the newest child of ours whose
// command line names llm_standin.py.
pid_t find_llm_pid() {
  pid_t found = -1;
  unsigned long long newest = 0;
  for (const auto& child : testing::child_processes(::getpid())) {
    const std::string cmdline = read_file("/proc/" + std::to_string(child.pid) + "/cmdline");
    if (cmdline.find("llm_standin.py") != std::string::npos && child.start_time >= newest) {
      newest = child.start_time;
      found = child.pid;
    }
  }
  return found;
}

}  // namespace

Rig::Rig(RigOptions options) : options_(std::move(options)), llm_(llm_options()), llm_pid_(find_llm_pid()) {
  if (!options_.journal_dir.empty()) {
    std::string path = options_.journal_dir + "/raven-bench-journal.XXXXXX";
    if (::mkdtemp(path.data()) == nullptr)
      throw std::runtime_error("cannot create a directory in " + options_.journal_dir);
    own_journal_dir_ = path;
  }
}

Rig::~Rig() {
  if (raven_ && raven_->running()) raven_->terminate(std::chrono::seconds(5));
  keep_files();
  std::error_code ignored;
  if (!own_journal_dir_.empty()) std::filesystem::remove_all(own_journal_dir_, ignored);
}

void Rig::keep_files() const {
  if (options_.keep_dir.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::path(options_.keep_dir) / options_.label;
  fs::create_directories(target, ec);
  for (const std::string& file : {dir_.file("raven.yaml"), dir_.file("raven.log"), dovecot_.log_path()}) {
    fs::copy_file(file, target / fs::path(file).filename(), fs::copy_options::overwrite_existing, ec);
  }
}

void Rig::deliver_all(const std::vector<std::string>& messages, unsigned threads) const {
  std::mutex m;
  std::exception_ptr first_error;
  std::vector<std::jthread> workers;
  const unsigned count = std::max(threads, 1U);
  for (unsigned t = 0; t < count; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = t; i < messages.size(); i += count) {
        try {
          dovecot_.deliver(messages[i]);
        } catch (...) {
          std::lock_guard lock(m);
          if (!first_error) first_error = std::current_exception();
          return;
        }
      }
    });
  }
  workers.clear();  // joins
  if (first_error) std::rethrow_exception(first_error);
}

std::string Rig::raven_config() const {
  std::ostringstream y;
  y << "# Written by raven-bench (bench/rig.cpp) for one run.\n"
    << "imap:\n"
    << "  host: 127.0.0.1\n"
    << "  port: " << dovecot_.imaps_port() << "\n"
    << "  tls: implicit\n"
    << "  ca_file: " << yaml_quoted(dovecot_.ca_file()) << "\n"
    << "  username: " << yaml_quoted(dovecot_.user()) << "\n"
    << "  password: ${RAVEN_BENCH_IMAP_PASSWORD}\n"
    << "intake:\n  mode: idle\n"
    << "filter:\n  senders: [\"@example.com\"]\n"
    << "answer:\n"
    << "  from: \"Help Desk <" << dovecot_.user() << ">\"\n"
    << "  mode: send\n"
    << "  workers: " << options_.workers << "\n"
    << (options_.queue > 0 ? "  queue: " + std::to_string(options_.queue) + "\n" : std::string())
    << "  sent_mailbox: Sent\n"
    << "llm:\n"
    << "  base_url: " << yaml_quoted(llm_.base_url()) << "\n"
    << "  model: standin\n"
    << "  system_prompt: \"You answer mail for the Example shop. Be brief and friendly.\"\n"
    << "smtp:\n"
    << "  host: 127.0.0.1\n"
    << "  port: " << sink_.port() << "\n"
    << "  tls: none\n"
    << "  envelope_from: " << yaml_quoted(dovecot_.user()) << "\n"
    << "state:\n"
    << "  path: "
    << yaml_quoted(own_journal_dir_.empty() ? dir_.file("journal.db") : own_journal_dir_ + "/journal.db")
    << "\n"
    << "log:\n"
    << "  level: " << options_.log_level << "\n"
    << "  format: text\n";
  return y.str();
}

void Rig::start_raven() {
  if (raven_running()) throw std::logic_error("Rig::start_raven: raven is already running");
  const std::string config_path = dir_.file("raven.yaml");
  {
    std::ofstream out(config_path, std::ios::trunc);
    out << raven_config();
    if (!out.flush()) throw std::runtime_error("cannot write " + config_path);
  }
  testing::SpawnOptions spawn;
  spawn.argv = {options_.raven_binary, "run", "-c", config_path};
  spawn.env =
      std::vector<std::string>{"RAVEN_BENCH_IMAP_PASSWORD=" + dovecot_.password(), "PATH=/usr/bin:/bin"};
  spawn.stdout_path = dir_.file("raven.log");
  spawn.stderr_path = spawn.stdout_path;
  raven_.emplace(std::move(spawn));
}

pid_t Rig::raven_pid() const {
  return raven_ ? raven_->pid() : -1;
}

bool Rig::raven_running() {
  return raven_ && raven_->running();
}

std::string Rig::stop_raven() {
  if (!raven_) return "not started";
  return testing::describe_wait_status(raven_->terminate(std::chrono::seconds(20)));
}

std::string Rig::raven_log() const {
  return read_file(dir_.file("raven.log"));
}

std::string Rig::raven_log_tail(std::size_t lines) const {
  std::deque<std::string> tail;
  std::istringstream in(raven_log());
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& line : tail) out += "  | " + line + "\n";
  return out;
}

bool Rig::wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (Steady::now() < deadline) {
    if (raven_log().find(needle) != std::string::npos) return true;
    if (!raven_running()) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

ServerCpu Rig::server_cpu() const {
  ServerCpu cpu;
  cpu.dovecot = tree_cpu_seconds(dovecot_.pid());
  cpu.sink = tree_cpu_seconds(sink_.pid());
  cpu.llm = tree_cpu_seconds(llm_pid_);
  return cpu;
}

std::uintmax_t Rig::dovecot_log_offset() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(dovecot_.log_path(), ec);
  return ec ? 0 : size;
}

ImapBytes Rig::imap_bytes_since(std::uintmax_t offset) const {
  // Dovecot's log process writes a session's last line once the imap process
  // has gone; wait for the file to stop growing.
  std::uintmax_t size = dovecot_log_offset();
  auto quiet_since = Steady::now();
  for (const auto deadline = Steady::now() + 5s; Steady::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
    const auto now_size = dovecot_log_offset();
    if (now_size != size) {
      size = now_size;
      quiet_since = Steady::now();
    } else if (Steady::now() - quiet_since >= 700ms) {
      break;
    }
  }
  const std::string text = read_file(dovecot_.log_path());
  ImapBytes bytes;
  // e.g. "Nov 28 17:54:11 imap(raven@example.test)<9492><Cjgv3VlhQN5/AAAB>: Info: Disconnected: Connection
  // closed (...) in=10989 out=7454 deleted=0 ... hdr_bytes=2732 body_count=5 body_bytes=1125"
  static const std::regex kSession(
      R"(imap\([^)]*\)<[^>]*><[^>]*>: .*Disconnected: .* in=([0-9]+) out=([0-9]+))");
  static const std::regex kHdr(R"( hdr_bytes=([0-9]+))");
  static const std::regex kBody(R"( body_bytes=([0-9]+))");
  auto number = [](const std::string& line, const std::regex& re) -> std::uint64_t {
    std::smatch m;
    return std::regex_search(line, m, re) ? std::stoull(m[1].str()) : 0;
  };
  std::istringstream in(offset < text.size() ? text.substr(offset) : std::string());
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, kSession)) continue;
    bytes.in += std::stoull(m[1].str());
    bytes.out += std::stoull(m[2].str());
    bytes.hdr_bytes += number(line, kHdr);
    bytes.body_bytes += number(line, kBody);
    ++bytes.sessions;
  }
  return bytes;
}

std::map<std::string, std::uint64_t> Rig::imaps_bytes_sent() const {
  const std::string out = dir_.file("ss.out");
  testing::SpawnOptions spawn;
  spawn.argv = {
      "ss", "-tinH", "state", "established", "sport", "=", ":" + std::to_string(dovecot_.imaps_port())};
  spawn.stdout_path = out;
  std::filesystem::remove(out);
  try {
    if (testing::Process::run(std::move(spawn), 10s) != 0) return {};
  } catch (const std::exception&) {
    return {};
  }
  // Two lines per socket: "Recv-Q Send-Q local peer", then an indented line
  // of TCP_INFO fields, "... bytes_acked:N ..." once anything was sent.
  static const std::regex kAcked(R"(\bbytes_acked:([0-9]+))");
  std::map<std::string, std::uint64_t> sent;
  std::istringstream in(read_file(out));
  std::string peer;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() != ' ' && line.front() != '\t') {
      std::istringstream fields(line);
      for (std::string f; fields >> f;) peer = f;  // the last field
      sent[peer] = 0;
      continue;
    }
    std::smatch m;
    if (!peer.empty() && std::regex_search(line, m, kAcked)) sent[peer] = std::stoull(m[1].str());
  }
  return sent;
}

}  // namespace raven::bench
