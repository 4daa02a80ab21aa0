// raven::imap::testing::ScriptServer — a scripted fake IMAP server.
//
// For failures a real server will not produce on demand (DESIGN.md,
// "Testing"): a greeting that never comes, a reply cut short inside a literal,
// a byte every few hundred milliseconds, a BYE at the wrong moment. It listens
// on 127.0.0.1 on a free port and runs the test's script for every accepted
// connection, each in its own thread. A script reads the client's commands
// line by line (`expect` checks the command after the tag and returns the
// tag) and writes whatever bytes it likes.
//
// A script step that fails (unexpected command, timeout, EOF) throws; the
// server records the message in failures(), which a test checks after
// join(). Every line received on any connection is kept in received().
//
// Threading: the server object belongs to the test thread; scripts run on
// their own threads; the destructor stops and joins them (blocked reads wake).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "imap/config.hpp"

namespace raven::imap::testing {

using namespace std::chrono_literals;

class ScriptServer;

struct ScriptFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The server side of one connection, as seen by a script.
class ScriptConnection {
 public:
  ScriptConnection(ScriptServer& server, int fd, int stop_fd);
  ~ScriptConnection();
  ScriptConnection(const ScriptConnection&) = delete;
  ScriptConnection& operator=(const ScriptConnection&) = delete;

  // Writes raw bytes (a client that is gone is ignored).
  void send(std::string_view bytes);
  // Writes `text` + CRLF.
  void line(std::string_view text);
  // Writes bytes one at a time, `interval` apart; stops when the client is gone.
  void drip(std::string_view bytes, std::chrono::milliseconds interval);
  // Sleeps, waking early when the server shuts down.
  void sleep(std::chrono::milliseconds d);

  // Reads one line (CRLF removed). Throws ScriptFailure on EOF or timeout.
  std::string read_line(std::chrono::milliseconds timeout = 10s);
  // Reads exactly `n` bytes (an APPEND literal).
  std::string read_bytes(std::size_t n, std::chrono::milliseconds timeout = 10s);
  // Reads a command; checks that the text after the tag starts with
  // `command` (case-insensitive). Returns the tag.
  std::string expect(std::string_view command, std::chrono::milliseconds timeout = 10s);
  // Reads a line and checks it is exactly `text` (untagged, e.g. IDLE's DONE).
  void expect_line(std::string_view text, std::chrono::milliseconds timeout = 10s);
  // Waits for the client to close; throws ScriptFailure if it sends a line first.
  void expect_close(std::chrono::milliseconds timeout = 10s);
  // Closes the connection now (the client then sees EOF).
  void close();

  // The usual opening: greeting with `caps`, LOGIN raven secret → OK.
  void greet_and_login(std::string_view caps = "IMAP4rev1 IDLE UIDPLUS LITERAL+");
  // SELECT INBOX → 3 messages, UIDVALIDITY 42, UIDNEXT 7.
  void select_inbox();

 private:
  // Fills the buffer; false on EOF, throws on timeout or shutdown.
  bool fill(std::chrono::steady_clock::time_point deadline);

  ScriptServer& server_;
  int fd_;
  int stop_fd_;
  std::string buffer_;
};

class ScriptServer {
 public:
  using Script = std::function<void(ScriptConnection&)>;

  explicit ScriptServer(Script script);
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  std::uint16_t port() const { return port_; }
  // host 127.0.0.1, this port, plaintext, user raven / secret, short timeouts.
  Config config(Tls tls = Tls::none) const;

  // Waits until every script accepted so far has finished (bounded).
  void join(std::chrono::milliseconds timeout = 15s);
  std::vector<std::string> failures() const;
  std::vector<std::string> received() const;
  int connections() const { return connections_.load(); }

 private:
  friend class ScriptConnection;
  void accept_loop();
  void record(std::string line);
  void fail(std::string message);

  Script script_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: readable once the server shuts down
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> running_{0};
  mutable std::mutex m_;
  std::vector<std::string> failures_;
  std::vector<std::string> received_;
  std::vector<std::jthread> scripts_;  // guarded by m_
  std::jthread acceptor_;              // last: stops first
};

}  // namespace raven::imap::testing
