#include "support/raven_harness.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"
#include "imap/session.hpp"
#include "store/state.hpp"
#include "support/smtp_sink.hpp"

#ifndef RAVEN_BINARY
#error "RAVEN_BINARY must name the raven executable ($<TARGET_FILE:raven>)"
#endif

extern char** environ;

namespace raven::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void append_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

std::string_view tls_name(imap::Tls tls) {
  switch (tls) {
    case imap::Tls::implicit: return "implicit";
    case imap::Tls::starttls: return "starttls";
    case imap::Tls::none: return "none";
  }
  return "implicit";
}

std::string millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

}  // namespace

const std::string& raven_binary() {
  static const std::string path = RAVEN_BINARY;
  return path;
}

std::string render_config(const RavenConfig& c) {
  std::ostringstream y;
  y << "# Written by tests/support/raven_harness.cpp for one test.\n"
    << "imap:\n"
    << "  host: " << yaml_quoted(c.imap.host) << "\n"
    << "  port: " << c.imap.effective_port() << "\n"
    << "  tls: " << tls_name(c.imap.tls) << "\n";
  if (!c.imap.ca_file.empty()) y << "  ca_file: " << yaml_quoted(c.imap.ca_file) << "\n";
  y << "  username: " << yaml_quoted(c.imap.username) << "\n"
    << "  password: " << yaml_quoted(c.imap.password) << "\n"
    << "  mailbox: " << yaml_quoted(c.imap.mailbox) << "\n"
    << "  connect_timeout: " << millis(c.imap.connect_timeout) << "\n"
    << "  command_timeout: " << millis(c.imap.command_timeout) << "\n"
    << "filter:\n"
    << "  senders: [" << yaml_quoted(c.sender_filter) << "]\n"
    << "answer:\n"
    << "  from: \"Raven <raven@example.test>\"\n"
    << "  mode: send\n"
    << "  workers: " << c.workers << "\n"
    << "  sent_mailbox: Sent\n"
    << "  retry_initial: " << c.retry_initial << "\n"
    << "  retry_max: " << c.retry_max << "\n"
    << "  max_attempts: " << c.max_attempts << "\n"
    << "  on_uncertain: " << c.on_uncertain << "\n"
    << "  shutdown_timeout: 10s\n"
    << "llm:\n"
    << "  base_url: " << yaml_quoted(c.llm_base_url) << "\n"
    << "  model: standin\n"
    << "  timeout: " << c.llm_timeout << "\n"
    << "  connect_timeout: 2s\n"
    << "  max_retries: " << c.llm_max_retries << "\n"
    << "  max_retry_after: 1s\n"
    << "smtp:\n"
    << "  host: " << yaml_quoted(c.smtp_host) << "\n"
    << "  port: " << c.smtp_port << "\n"
    << "  tls: none\n"
    << "  connect_timeout: 5s\n"
    << "  timeout: " << c.smtp_timeout << "\n"
    << "state:\n"
    << "  path: " << yaml_quoted(c.state_path) << "\n"
    << "log:\n"
    << "  level: " << c.log_level << "\n"
    << "  format: text\n";
  return y.str();
}

void write_config(const std::string& path, const RavenConfig& config) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << render_config(config);
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// ---------------------------------------------------------------------------

RavenDaemon::RavenDaemon(std::string config_path, std::string log_path)
    : config_path_(std::move(config_path)), log_path_(std::move(log_path)) {}

RavenDaemon::~RavenDaemon() {
  if (process_ && process_->running()) {
    process_->send_signal(SIGKILL);
    process_->wait(std::chrono::seconds(10));
  }
}

void RavenDaemon::start(std::optional<std::string> crash_at) {
  if (running()) throw std::logic_error("RavenDaemon::start: raven is already running");
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("RAVEN_CRASH_AT=")) env.emplace_back(entry);
  }
  if (crash_at) env.push_back("RAVEN_CRASH_AT=" + *crash_at);
  ++starts_;
  append_file(log_path_, "---- test: start " + std::to_string(starts_) +
                             (crash_at ? " with RAVEN_CRASH_AT=" + *crash_at : std::string()) + "\n");
  SpawnOptions spawn;
  spawn.argv = {raven_binary(), "run", "-c", config_path_};
  spawn.env = std::move(env);
  spawn.stdout_path = log_path_;
  spawn.stderr_path = log_path_;
  process_.emplace(std::move(spawn));
}

bool RavenDaemon::running() {
  return process_ && process_->running();
}

std::optional<int> RavenDaemon::wait_exit(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  auto status = process_->wait(timeout);
  if (status) append_file(log_path_, "---- test: raven " + describe_wait_status(*status) + "\n");
  return status;
}

int RavenDaemon::kill() {
  if (!process_) return 0;
  if (process_->running()) {
    append_file(log_path_, "---- test: SIGKILL\n");
    process_->send_signal(SIGKILL);
  }
  // SIGKILL cannot be caught; the wait only covers the kernel tearing it down.
  return wait_exit(std::chrono::seconds(30)).value_or(-1);
}

int RavenDaemon::terminate(std::chrono::milliseconds grace) {
  if (!process_) return 0;
  if (process_->running()) append_file(log_path_, "---- test: SIGTERM\n");
  const int status = process_->terminate(grace);
  append_file(log_path_, "---- test: raven " + describe_wait_status(status) + "\n");
  return status;
}

std::string RavenDaemon::keep_log(const std::string& label) const {
  std::string name = "raven-" + label + "-" + std::to_string(::getpid()) + ".log";
  std::replace_if(
      name.begin(), name.end(), [](char c) { return c == '/' || c == ' '; }, '_');
  std::error_code ec;
  const auto target = std::filesystem::temp_directory_path(ec) / name;
  if (ec) return {};
  std::filesystem::copy_file(log_path_, target, std::filesystem::copy_options::overwrite_existing, ec);
  return ec ? std::string() : target.string();
}

pid_t RavenDaemon::pid() const {
  return process_ ? process_->pid() : -1;
}

std::string RavenDaemon::log_tail(std::size_t lines) const {
  std::deque<std::string> tail;
  std::istringstream in(read_file(log_path_));
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out = "--- last " + std::to_string(tail.size()) + " lines of " + log_path_ + ":\n";
  for (const auto& l : tail) out += l + "\n";
  return out;
}

// ---------------------------------------------------------------------------

std::string yaml_quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string bare_message_id(std::string_view id) {
  std::string s = trim(id);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

std::string header_value(std::string_view raw, std::string_view name) {
  std::string value;
  bool in_field = false;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto eol = raw.find('\n', pos);
    std::string_view line =
        raw.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? raw.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header section
    if (line.front() == ' ' || line.front() == '\t') {
      if (in_field) value += " " + trim(line);  // RFC 5322 §2.2.3 unfolding
      continue;
    }
    if (in_field) break;  // the first field with this name is complete
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      value = trim(line.substr(colon + 1));
      in_field = true;
    }
  }
  return trim(value);
}

std::vector<SentReply> sent_replies(const SmtpSink& sink) {
  std::vector<SentReply> out;
  for (const auto& m : sink.messages()) {
    out.push_back({bare_message_id(header_value(m.raw, "In-Reply-To")),
                   bare_message_id(header_value(m.raw, "Message-ID")),
                   m.rcpt_tos.empty() ? std::string() : m.rcpt_tos.front()});
  }
  return out;
}

std::map<std::string, int> replies_by_original(const SmtpSink& sink) {
  std::map<std::string, int> counts;
  for (const auto& r : sent_replies(sink)) ++counts[r.in_reply_to];
  return counts;
}

// ---------------------------------------------------------------------------

JournalReader::JournalReader(std::string path) : path_(std::move(path)) {}
JournalReader::~JournalReader() = default;

store::Journal* JournalReader::journal() {
  if (journal_) return journal_.get();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return nullptr;
  try {
    store::Config config;
    config.path = path_;
    journal_ = std::make_unique<store::Journal>(config);
  } catch (const Error&) {
    return nullptr;  // e.g. raven holds the lock while creating it; try again later
  }
  return journal_.get();
}

std::optional<std::vector<store::Record>> JournalReader::rows() {
  store::Journal* j = journal();
  if (j == nullptr) return std::nullopt;
  try {
    std::vector<store::Record> out;
    for (store::State state : store::kAllStates) {
      auto some = j->in_state(state, 1'000'000);
      out.insert(out.end(), some.begin(), some.end());
    }
    return out;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::transient) return std::nullopt;  // busy: the next poll reads it
    throw;
  }
}

std::optional<std::vector<store::Record>> JournalReader::rows_for(std::string_view message_id) {
  auto all = rows();
  if (!all) return std::nullopt;
  const std::string want = bare_message_id(message_id);
  std::vector<store::Record> out;
  for (auto& r : *all) {
    if (bare_message_id(r.message_id) == want) out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::vector<store::Record>> JournalReader::uncertain() {
  store::Journal* j = journal();
  if (j == nullptr) return std::nullopt;
  try {
    return j->uncertain(1'000'000);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::transient) return std::nullopt;
    throw;
  }
}

std::string describe(const store::Record& r) {
  std::string out = r.key.mailbox + "/" + std::to_string(r.key.uidvalidity) + "/" +
                    std::to_string(r.key.uid) + " <" + r.message_id + "> " +
                    std::string(store::to_string(r.state));
  if (r.reason) out += " (" + *r.reason + ")";
  out += " attempts=" + std::to_string(r.attempts);
  if (r.last_error) out += " last_error=\"" + *r.last_error + "\"";
  if (r.reply_message_id) out += " reply=<" + *r.reply_message_id + ">";
  return out;
}

std::string describe(const std::vector<store::Record>& records) {
  if (records.empty()) return "(no journal rows)";
  std::string out;
  for (const auto& r : records) out += "  " + describe(r) + "\n";
  return out;
}

// ---------------------------------------------------------------------------

bool MailboxMessage::has_flag(std::string_view flag) const {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return iequals(f, flag); });
}

std::vector<MailboxMessage> MailboxSnapshot::with_id(std::string_view message_id) const {
  std::vector<MailboxMessage> out;
  const std::string want = bare_message_id(message_id);
  for (const auto& m : messages) {
    if (m.message_id == want) out.push_back(m);
  }
  return out;
}

std::vector<MailboxMessage> MailboxSnapshot::replying_to(std::string_view message_id) const {
  std::vector<MailboxMessage> out;
  const std::string want = bare_message_id(message_id);
  for (const auto& m : messages) {
    if (m.in_reply_to == want) out.push_back(m);
  }
  return out;
}

MailboxSnapshot read_mailbox(const imap::Config& config, const std::string& mailbox) {
  imap::Session session = imap::Session::connect(config);
  MailboxSnapshot snapshot;
  snapshot.uidvalidity = session.select(mailbox).uidvalidity;
  imap::SearchQuery all;
  all.unseen = false;
  const std::vector<imap::Uid> uids = session.uid_search(all);
  imap::FetchItems items;
  items.flags = true;
  items.header = true;
  for (const auto& m : session.uid_fetch(uids, items)) {
    snapshot.messages.push_back({m.uid, bare_message_id(header_value(m.header, "Message-ID")),
                                 bare_message_id(header_value(m.header, "In-Reply-To")), m.flags});
  }
  session.logout();
  std::sort(snapshot.messages.begin(), snapshot.messages.end(),
            [](const MailboxMessage& a, const MailboxMessage& b) { return a.uid < b.uid; });
  return snapshot;
}

std::string join_flags(const std::vector<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : " ") + f;
  return "(" + out + ")";
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds pause) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(pause);
  }
  return condition();
}

}  // namespace raven::testing
