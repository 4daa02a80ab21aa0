// raven::imap::Session::Impl — the state behind a Session (internal).
//
// One file per IMAP command implements the Session methods (connect.cpp,
// select.cpp, search.cpp, fetch.cpp, store.cpp, append.cpp, idle.cpp,
// session.cpp for the rest); they share what is declared here: the libetpan
// handle, the command deadline (watchdog), and the mapping from libetpan's
// result codes to raven::Error kinds.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "imap/etpan.hpp"
#include "imap/session.hpp"
#include "imap/watchdog.hpp"

namespace raven::imap {

// Closes the socket without LOGOUT (mailimap_free alone would send LOGOUT and
// wait for the answer), then frees the handle.
struct ImapClose {
  void operator()(mailimap* imap) const noexcept;
};
using ImapPtr = std::unique_ptr<mailimap, ImapClose>;

// libetpan's per-read timeout is in whole seconds (0 would mean its global
// default): round up, at least 1.
long timeout_seconds(std::chrono::milliseconds ms) noexcept;

struct Session::Impl {
  explicit Impl(const Config& cfg);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // connect.cpp: TCP, TLS/STARTTLS, certificate, greeting, LOGIN.
  void open(std::stop_token stop);

  // Throws the transient "session is broken; reconnect" error if unusable.
  void ensure_usable() const;
  // Runs one libetpan command under the command deadline and returns its
  // result code; check() it afterwards.
  template <typename F>
  int run(F&& command) {
    ensure_usable();
    armed_for = config.command_timeout;
    Watchdog::Scope deadline(watchdog, Watchdog::Clock::now() + config.command_timeout);
    return command();
  }
  // Maps a libetpan result: success returns; a stream/parse error, timeout or
  // BYE marks the session broken and throws transient; a NO throws
  // `refused_kind` (transient for [UNAVAILABLE]/[INUSE], RFC 5530); BAD throws
  // permanent.
  void check(int r, std::string_view command, ErrorKind refused_kind = ErrorKind::permanent);
  [[noreturn]] void fail_broken(const std::string& why);

  // The server's text for the last tagged response, made safe for logs.
  std::string server_text() const;
  // Re-reads libetpan's cached capabilities into `capabilities`.
  void load_capabilities();
  // Sends CAPABILITY (the cache is stale after STARTTLS and LOGIN).
  void request_capabilities();
  bool has(std::string_view capability) const;

  mailstream* stream() const noexcept { return imap->imap_stream; }
  // What a deadline or stop request cancels (guarded by io_mu).
  void set_cancel_targets(mailstream* s, int fd);
  void cancel_io() noexcept;

  Config config;
  std::string where;      // "host:port", for messages
  std::string sni_host;   // mutable copy for libetpan's char* API
  ImapPtr imap;
  std::vector<std::string> capabilities;
  bool broken = false;
  std::string broken_why;
  bool stop_requested = false;  // set by connect's stop callback (under io_mu)
  std::chrono::milliseconds armed_for{0};  // the running deadline, for messages

  std::mutex io_mu;
  mailstream* cancel_stream = nullptr;
  int cancel_fd = -1;

  Watchdog watchdog;  // last: its thread stops before the members above go
};

}  // namespace raven::imap
