// raven::testing::SmtpSink — a real SMTP server (aiosmtpd) on loopback that
// stores every message it accepts, for integration tests and the demo.
//
// Why: DESIGN.md, "Testing": no mocked SMTP in integration tests. The sink is
// tests/support/smtp_sink.py (see its docstring) run with /usr/bin/python3;
// this class starts it in a fresh temp dir, learns its port from the first
// stdout line ("listening 127.0.0.1:PORT"), reads what it stored, and scripts
// failures (550 for a recipient, 4xx/5xx after DATA or at MAIL, a slow reply)
// at start or at run time through a control file the sink re-reads on every
// command. TLS (STARTTLS or implicit) uses the process-wide throw-away CA of
// fixture/tls_material.hpp (certtool, SAN localhost and 127.0.0.1).
//
// Stops exactly the process it started, by pid (SIGTERM, wait, SIGKILL after
// 5 s), never by name; the sink also exits by itself if this process dies.
//
// Blocking: the constructor and start() wait until the port accepts
// connections (at most ~15 s, then throw std::runtime_error with the sink's
// stderr). Not thread-safe: one test thread drives it; the code under test may
// talk to the sink from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smtp/config.hpp"

namespace raven::testing {

struct SmtpSinkOptions {
  enum class Tls { none, starttls, implicit };
  Tls tls = Tls::none;
  std::string auth_user;  // non-empty: AUTH required before MAIL
  std::string auth_password;
  std::vector<std::string> auth_mechanisms;  // subset of {"PLAIN", "LOGIN"}; empty: both
  std::vector<std::string> reject_rcpt;      // answered 550 at RCPT TO
  int fail_mail = 0;                         // non-zero: MAIL FROM answered with this code
  int fail_data = 0;                         // non-zero: end of DATA answered with this code
  std::chrono::milliseconds delay_data{0};   // wait before answering the end of DATA
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};  // sink closes idle connections
  std::uint16_t port = 0;                                           // 0: the kernel picks a free port
};

// Run-time overrides, written to the control file. nullopt: keep the value the
// sink was started with; a value (0 / empty for "no failure") replaces it.
struct SinkBehaviour {
  std::optional<std::vector<std::string>> reject_rcpt;
  std::optional<int> fail_mail;
  std::optional<int> fail_data;
  std::optional<std::chrono::milliseconds> delay_data;
};

// One accepted message, as stored by the sink.
struct SinkMessage {
  std::string mail_from;                                    // envelope sender, without <>
  std::vector<std::string> rcpt_tos;                        // accepted recipients
  std::vector<std::pair<std::string, int>> rejected_rcpts;  // refused in the same transaction
  std::string raw;                                          // bytes after DATA, dot-unstuffed, CRLF as sent
  int connection = 0;                                       // 1-based number of the TCP connection
  bool tls = false;                                         // STARTTLS done or implicit TLS
  std::string auth_user;                                    // empty when not authenticated
  std::vector<std::string> mail_options;                    // e.g. "SIZE=123"
  std::string file;                                         // path of the .eml file
};

class SmtpSink {
 public:
  explicit SmtpSink(SmtpSinkOptions options = {});  // starts it; throws std::runtime_error
  ~SmtpSink();                                      // stop(); removes the temp dir
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }  // "127.0.0.1"
  const std::string& dir() const noexcept;                    // the temp dir
  const std::string& maildir() const noexcept;                // where .eml/.json files go
  const std::string& ca_file() const;                         // trusts the sink's certificate
  const std::string& other_ca_file() const;                   // does not

  // An smtp::Config for this sink: host 127.0.0.1, its port, the matching
  // tls mode, ca_file(), the AUTH credentials, envelope_from
  // "raven@example.test".
  smtp::Config smtp_config() const;

  // Every message stored so far, in arrival order. Never blocks.
  std::vector<SinkMessage> messages() const;
  std::size_t message_count() const;
  // Waits (polling) until at least `n` messages are stored; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // TCP connections accepted since the sink was first started (survives restarts).
  int connections() const;

  // Replaces the run-time overrides; the sink applies them from its next
  // command on. Atomic (temp file + rename).
  void set_behaviour(const SinkBehaviour& behaviour);

  // SIGTERM to the pid we started, wait, SIGKILL after 5 s. Idempotent.
  void stop();
  // Starts it again on the same port with the same maildir.
  void start();
  void restart() {
    stop();
    start();
  }
  bool running();
  pid_t pid() const noexcept;
  // The sink's stderr so far (for failure messages).
  std::string log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
};

}  // namespace raven::testing
