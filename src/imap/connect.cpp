// Session::connect — TCP, TLS or STARTTLS, certificate check, greeting, LOGIN.
//
// Order matters (DESIGN.md, "Verified pitfalls"):
//  1. the per-read timeout is set before anything is read;
//  2. with implicit TLS the certificate is verified right after the handshake,
//     before the greeting is even parsed; with STARTTLS right after its
//     handshake; in both cases before LOGIN sends the password;
//  3. after STARTTLS the capabilities are asked again (the cached ones came
//     over plaintext, RFC 3501 §6.2.1), and STARTTLS is never skipped: a
//     server that does not offer it is a fatal error, not a plaintext login;
//  4. after LOGIN the capabilities are asked again unless the OK carried them
//     (RFC 3501 §7.2.1: they may change with authentication).
// libetpan's connect helpers return MAILIMAP_NO_ERROR_NON_AUTHENTICATED (2)
// on success; check() treats 0, 1 and 2 as success.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stop_token>

#include "common/text.hpp"
#include "common/unique_fd.hpp"
#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"
#include "imap/stream_guard.hpp"
#include "imap/tcp_connect.hpp"
#include "imap/tls_verify.hpp"

namespace raven::imap {
namespace {

using Clock = std::chrono::steady_clock;

struct StreamClose {
  void operator()(mailstream* s) const noexcept { mailstream_close(s); }
};
using StreamPtr = std::unique_ptr<mailstream, StreamClose>;

// SNI (RFC 6066 §3): a host name only, never an IP literal.
void set_sni(mailstream_ssl_context* context, void* data) {
  auto* host = static_cast<std::string*>(data);
  if (!host->empty() && !is_ip_literal(*host)) mailstream_ssl_set_server_name(context, host->data());
}

long seconds_left(Clock::time_point deadline) {
  return timeout_seconds(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()));
}

bool set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0) return false;
  return ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) == 0;
}

// "BYE text" if the buffered greeting is "* BYE text" (RFC 3501 §7.1.5), else "".
std::string bye_greeting(const mailstream& stream) {
  const std::string_view buffered(stream.read_buffer, stream.read_buffer_len);
  if (buffered.size() < 6 || buffered.substr(0, 2) != "* " ||
      ascii_lower(buffered.substr(2, 4)) != "bye ") {
    return {};
  }
  std::string out;
  for (char c : buffered.substr(2, 200)) {
    if (c == '\r' || c == '\n') break;
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

Session Session::connect(const Config& config, std::stop_token stop) {
  check_text("host", config.host);
  check_text("username", config.username);
  check_text("password", config.password);
  if (config.host.empty()) throw Error(ErrorKind::fatal, "imap: no host configured");
  auto impl = std::make_unique<Impl>(config);
  impl->open(std::move(stop));
  return Session(std::move(impl));
}

void Session::Impl::open(std::stop_token stop) {
  const TlsPeer peer{config.host, config.effective_port(), config.ca_file, config.pinned_sha256};
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) throw Error(ErrorKind::transient, "imap: cannot create an eventfd");
  std::stop_callback on_stop(stop, [&] {
    {
      std::lock_guard lock(io_mu);
      stop_requested = true;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake.get(), &one, sizeof one);
    watchdog.fire();
  });
  const auto throw_if_stopped = [&] {
    std::lock_guard lock(io_mu);
    if (stop_requested) throw Error(ErrorKind::transient, "imap: connect to " + where + " stopped");
  };

  UniqueFd fd;
  StreamPtr opened;
  // Declared after what the watchdog may touch, so that on failure it is
  // disarmed and forgets the fd before they are closed.
  struct Quiet {
    Impl& impl;
    ~Quiet() {
      impl.watchdog.disarm();
      if (impl.imap->imap_stream == nullptr) impl.set_cancel_targets(nullptr, -1);
    }
  } quiet{*this};

  // Phase 1, bounded by connect_timeout: TCP, TLS handshake, greeting.
  const auto connect_deadline = Clock::now() + config.connect_timeout;
  armed_for = config.connect_timeout;
  watchdog.arm(connect_deadline);
  fd = tcp_connect(config.host, config.effective_port(), connect_deadline, wake.get());
  const int raw_fd = fd.get();
  set_cancel_targets(nullptr, raw_fd);
  throw_if_stopped();

  mailimap_set_timeout(imap.get(), timeout_seconds(config.connect_timeout));
  if (config.tls == Tls::implicit) {
    opened.reset(mailstream_ssl_open_with_callback_timeout(raw_fd, seconds_left(connect_deadline),
                                                           set_sni, &sni_host));
    if (!opened) {
      throw_if_stopped();
      throw Error(ErrorKind::transient, "imap: TLS handshake with " + where +
                                            (watchdog.fired() ? " timed out" : " failed"));
    }
  } else {
    set_nonblocking(raw_fd, true);  // as libetpan's own connect does; reads and writes poll first
    opened.reset(mailstream_socket_open_timeout(raw_fd, timeout_seconds(config.connect_timeout)));
    if (!opened) throw std::bad_alloc();
  }
  fd.release();  // the stream closes it from now on
  install_stream_guard(opened.get());
  set_cancel_targets(opened.get(), raw_fd);

  if (config.tls == Tls::implicit) verify_certificate_chain(peer_certificates(opened.get()), peer);
  throw_if_stopped();

  // A BYE greeting is answered here: libetpan 1.9.4 leaks the parsed
  // greeting when it is a BYE (parse_greeting returns without freeing it).
  if (mailstream_feed_read_buffer(opened.get()) > 0) {
    if (const std::string bye = bye_greeting(*opened); !bye.empty()) {
      throw Error(ErrorKind::transient, "imap: " + where + " refused the connection: " + bye);
    }
  }
  mailstream* s = opened.release();  // mailimap_connect owns it, even on failure
  const int greeting = mailimap_connect(imap.get(), s);
  check(greeting, "greeting", ErrorKind::transient);
  load_capabilities();
  throw_if_stopped();

  // Phase 2, bounded by command_timeout: STARTTLS, CAPABILITY, LOGIN.
  const long per_read = timeout_seconds(config.command_timeout);
  mailimap_set_timeout(imap.get(), per_read);
  set_stream_timeout(s, per_read);
  const auto command_deadline = Clock::now() + config.command_timeout;
  armed_for = config.command_timeout;
  watchdog.arm(command_deadline);
  const auto capability = [&] {
    throw_if_stopped();
    mailimap_capability_data* raw = nullptr;
    const int r = mailimap_capability(imap.get(), &raw);
    if (raw != nullptr) mailimap_capability_data_free(raw);  // a copy of the cache
    check(r, "CAPABILITY");
    load_capabilities();
  };
  const auto forget_capabilities = [&] {
    mailimap_connection_info* info = imap->imap_connection_info;
    if (info != nullptr && info->imap_capability != nullptr) {
      mailimap_capability_data_free(info->imap_capability);
      info->imap_capability = nullptr;
    }
    capabilities.clear();
  };

  if (capabilities.empty()) capability();

  if (config.tls == Tls::starttls) {
    if (!has("STARTTLS")) {
      throw Error(ErrorKind::fatal, "imap: " + where +
                                        " does not offer STARTTLS (tls: starttls); refusing to log in "
                                        "over plaintext");
    }
    throw_if_stopped();
    const int r = mailimap_starttls(imap.get());
    // Anything already buffered arrived in plaintext after the OK: a response
    // injection (CVE-2020-15953). It must never pass as TLS data. (Debian's
    // libetpan also refuses it, as a plain STARTTLS error.)
    if (s->read_buffer_len != 0) {
      throw Error(ErrorKind::fatal, "imap: " + where + " sent unexpected plaintext after STARTTLS");
    }
    check(r, "STARTTLS", ErrorKind::fatal);
    set_nonblocking(raw_fd, false);  // GnuTLS waits with its own handshake timeout
    mailstream_low* tls_low = mailstream_low_tls_open_with_callback_timeout(
        raw_fd, seconds_left(command_deadline), set_sni, &sni_host);
    if (tls_low == nullptr) {
      throw_if_stopped();
      fail_broken("STARTTLS handshake with " + where + (watchdog.fired() ? " timed out" : " failed"));
    }
    replace_guarded_low(s, tls_low);
    set_stream_timeout(s, per_read);
    verify_certificate_chain(peer_certificates(s), peer);
    forget_capabilities();  // they came over plaintext
    capability();
  }

  if (greeting != MAILIMAP_NO_ERROR_AUTHENTICATED) {  // not PREAUTH
    if (has("LOGINDISABLED")) {
      throw Error(ErrorKind::fatal, "imap: " + where + " does not allow LOGIN here (LOGINDISABLED)" +
                                        (config.tls == Tls::none ? "; use tls: starttls or implicit" : ""));
    }
    // Forgotten so that we can tell whether the OK to LOGIN carried new ones.
    forget_capabilities();
    throw_if_stopped();
    const int r = mailimap_login(imap.get(), config.username.c_str(), config.password.c_str());
    check(r, "LOGIN as " + config.username, ErrorKind::fatal);
    load_capabilities();
  }
  if (capabilities.empty()) capability();
  armed_for = config.command_timeout;
}

}  // namespace raven::imap
