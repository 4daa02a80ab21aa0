#include "support/smtp_sink.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "fixture/net.hpp"
#include "fixture/process.hpp"
#include "fixture/tls_material.hpp"

#ifndef RAVEN_SMTP_SINK_SCRIPT
#error "RAVEN_SMTP_SINK_SCRIPT must name tests/support/smtp_sink.py"
#endif

namespace raven::testing {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("SmtpSink: cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "SmtpSink: rename " + tmp);
  }
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

}  // namespace

struct SmtpSink::Impl {
  SmtpSinkOptions options;
  TempDir dir{"raven-smtp-sink"};
  std::string maildir = dir.file("maildir");
  std::string control = dir.file("control.json");
  std::string stats = dir.file("stats.json");
  std::string stdout_path = dir.file("stdout.log");
  std::string stderr_path = dir.file("stderr.log");
  std::optional<Process> process;

  std::vector<std::string> argv(std::uint16_t port) const {
    std::vector<std::string> args{"/usr/bin/python3",
                                  RAVEN_SMTP_SINK_SCRIPT,
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port),
                                  "--maildir",
                                  maildir,
                                  "--control",
                                  control,
                                  "--stats",
                                  stats,
                                  "--exit-with-parent",
                                  "--verbose",
                                  "--idle-timeout",
                                  std::to_string(static_cast<double>(options.idle_timeout.count()) / 1000.0)};
    if (!options.auth_user.empty()) {
      args.insert(args.end(), {"--auth", options.auth_user + ":" + options.auth_password});
      if (!options.auth_mechanisms.empty()) {
        args.insert(args.end(), {"--auth-mechanisms", join(options.auth_mechanisms, ",")});
      }
    }
    if (options.tls != SmtpSinkOptions::Tls::none) {
      const TlsMaterial& tls = test_tls_material();
      args.insert(args.end(), {"--tls-cert", tls.server_cert_file, "--tls-key", tls.server_key_file});
      if (options.tls == SmtpSinkOptions::Tls::implicit) args.emplace_back("--implicit-tls");
    }
    for (const auto& address : options.reject_rcpt) args.insert(args.end(), {"--reject-rcpt", address});
    if (options.fail_mail != 0) args.insert(args.end(), {"--fail-mail", std::to_string(options.fail_mail)});
    if (options.fail_data != 0) args.insert(args.end(), {"--fail-data", std::to_string(options.fail_data)});
    if (options.delay_data.count() > 0) {
      args.insert(args.end(),
                  {"--delay-data", std::to_string(static_cast<double>(options.delay_data.count()) / 1000.0)});
    }
    return args;
  }

  // Starts the sink and returns the port from its first stdout line.
  std::uint16_t start(std::uint16_t port) {
    // A fresh stdout file each time: the first line is this run's.
    (void)std::remove(stdout_path.c_str());
    SpawnOptions spawn;
    spawn.argv = argv(port);
    spawn.stdout_path = stdout_path;
    spawn.stderr_path = stderr_path;
    process.emplace(std::move(spawn));

    const auto deadline = Clock::now() + std::chrono::seconds(15);
    const std::string prefix = "listening 127.0.0.1:";
    while (Clock::now() < deadline) {
      const std::string out = read_file(stdout_path);
      if (const auto nl = out.find('\n'); nl != std::string::npos) {
        const std::string line = out.substr(0, nl);
        if (line.rfind(prefix, 0) != 0) fail("unexpected first line \"" + line + "\"");
        const unsigned long value = std::stoul(line.substr(prefix.size()));
        if (value == 0 || value > 65535) fail("bad port in \"" + line + "\"");
        return static_cast<std::uint16_t>(value);
      }
      if (!process->running()) fail("exited " + describe_wait_status(process->status().value_or(0)));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    fail("did not report its port within 15 s");
  }

  [[noreturn]] void fail(const std::string& why) {
    if (process) process->terminate(std::chrono::seconds(5));
    process.reset();
    throw std::runtime_error("SmtpSink: smtp_sink.py " + why + "; its stderr:\n" + read_file(stderr_path));
  }
};

SmtpSink::SmtpSink(SmtpSinkOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  fs::create_directory(impl_->maildir);
  port_ = impl_->start(impl_->options.port);
}

SmtpSink::~SmtpSink() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; Process's own destructor still kills it.
  }
}

const std::string& SmtpSink::dir() const noexcept {
  return impl_->dir.path();
}
const std::string& SmtpSink::maildir() const noexcept {
  return impl_->maildir;
}
const std::string& SmtpSink::ca_file() const {
  return test_tls_material().ca_file;
}
const std::string& SmtpSink::other_ca_file() const {
  return test_tls_material().other_ca_file;
}

smtp::Config SmtpSink::smtp_config() const {
  smtp::Config config;
  config.host = host_;
  config.port = port_;
  switch (impl_->options.tls) {
    case SmtpSinkOptions::Tls::none: config.tls = smtp::Tls::none; break;
    case SmtpSinkOptions::Tls::starttls: config.tls = smtp::Tls::starttls; break;
    case SmtpSinkOptions::Tls::implicit: config.tls = smtp::Tls::implicit; break;
  }
  if (config.tls != smtp::Tls::none) config.ca_file = ca_file();
  config.username = impl_->options.auth_user;
  config.password = impl_->options.auth_password;
  config.envelope_from = "raven@example.test";
  config.connect_timeout = std::chrono::seconds(10);
  config.timeout = std::chrono::seconds(30);
  return config;
}

std::vector<SinkMessage> SmtpSink::messages() const {
  std::vector<std::string> sidecars;
  for (const auto& entry : fs::directory_iterator(impl_->maildir)) {
    if (entry.path().extension() == ".json") sidecars.push_back(entry.path().string());
  }
  // NNNNNN-… names sort in arrival order.
  std::sort(sidecars.begin(), sidecars.end());
  std::vector<SinkMessage> out;
  for (const auto& path : sidecars) {
    const auto json = nlohmann::json::parse(read_file(path));
    SinkMessage m;
    m.mail_from = json.at("mail_from").get<std::string>();
    m.rcpt_tos = json.at("rcpt_tos").get<std::vector<std::string>>();
    for (const auto& r : json.at("rejected_rcpts")) {
      m.rejected_rcpts.emplace_back(r.at("address").get<std::string>(), r.at("code").get<int>());
    }
    m.connection = json.at("connection").get<int>();
    m.tls = json.at("tls").get<bool>();
    if (!json.at("auth_user").is_null()) m.auth_user = json.at("auth_user").get<std::string>();
    m.mail_options = json.at("mail_options").get<std::vector<std::string>>();
    m.file = impl_->maildir + "/" + json.at("eml").get<std::string>();
    m.raw = read_file(m.file);
    out.push_back(std::move(m));
  }
  return out;
}

std::size_t SmtpSink::message_count() const {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(impl_->maildir)) {
    if (entry.path().extension() == ".json") ++n;
  }
  return n;
}

bool SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (message_count() >= n) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int SmtpSink::connections() const {
  const std::string text = read_file(impl_->stats);
  if (text.empty()) return 0;
  return nlohmann::json::parse(text).value("connections", 0);
}

void SmtpSink::set_behaviour(const SinkBehaviour& behaviour) {
  nlohmann::json json = nlohmann::json::object();
  if (behaviour.reject_rcpt) json["reject_rcpt"] = *behaviour.reject_rcpt;
  if (behaviour.fail_mail) json["fail_mail"] = *behaviour.fail_mail;
  if (behaviour.fail_data) json["fail_data"] = *behaviour.fail_data;
  if (behaviour.delay_data) json["delay_data"] = static_cast<double>(behaviour.delay_data->count()) / 1000.0;
  write_atomically(impl_->control, json.dump() + "\n");
}

void SmtpSink::stop() {
  if (!impl_->process) return;
  impl_->process->terminate(std::chrono::seconds(5));
  impl_->process.reset();
}

void SmtpSink::start() {
  if (impl_->process && impl_->process->running()) return;
  port_ = impl_->start(port_);
}

bool SmtpSink::running() {
  return impl_->process && impl_->process->running();
}

pid_t SmtpSink::pid() const noexcept {
  return impl_->process ? impl_->process->pid() : -1;
}

std::string SmtpSink::log() const {
  return read_file(impl_->stderr_path);
}

}  // namespace raven::testing
