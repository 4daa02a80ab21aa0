// Session lifecycle, error mapping, capabilities, NOOP and LOGOUT.
#include <sys/socket.h>

#include <algorithm>

#include "common/text.hpp"
#include "imap/session_impl.hpp"
#include "imap/stream_guard.hpp"

namespace raven::imap {

void ImapClose::operator()(mailimap* imap) const noexcept {
  if (imap->imap_stream != nullptr) {
    mailstream_close(imap->imap_stream);  // closes the fd; no TLS close_notify, no LOGOUT
    imap->imap_stream = nullptr;
  }
  mailimap_free(imap);
}

long timeout_seconds(std::chrono::milliseconds ms) noexcept {
  const auto s = std::chrono::ceil<std::chrono::seconds>(ms).count();
  return s < 1 ? 1L : static_cast<long>(s);
}

Session::Impl::Impl(const Config& cfg)
    : config(cfg),
      where(cfg.host + ":" + std::to_string(cfg.effective_port())),
      sni_host(cfg.host),
      imap(etpan::checked(mailimap_new(0, nullptr))),
      watchdog([this] { cancel_io(); }) {}

Session::Impl::~Impl() {
  watchdog.disarm();
  set_cancel_targets(nullptr, -1);
}

void Session::Impl::set_cancel_targets(mailstream* s, int fd) {
  std::lock_guard lock(io_mu);
  cancel_stream = s;
  cancel_fd = fd;
}

void Session::Impl::cancel_io() noexcept {
  std::lock_guard lock(io_mu);
  // mailstream_cancel wakes a read or write blocked in libetpan; shutdown()
  // also ends a TLS handshake, which has no cancel hook.
  if (cancel_stream != nullptr) mailstream_cancel(cancel_stream);
  if (cancel_fd >= 0) ::shutdown(cancel_fd, SHUT_RDWR);
}

void Session::Impl::ensure_usable() const {
  if (broken) {
    throw Error(ErrorKind::transient,
                "imap: session with " + where + " is broken (" + broken_why + "); reconnect");
  }
}

void Session::Impl::fail_broken(const std::string& why) {
  broken = true;
  broken_why = why;
  throw Error(ErrorKind::transient, "imap: " + why);
}

std::string Session::Impl::server_text() const {
  std::string out;
  if (imap->imap_response == nullptr) return out;
  for (const char* p = imap->imap_response; *p != '\0' && out.size() < 200; ++p) {
    const auto u = static_cast<unsigned char>(*p);
    out += (u < 0x20 || u == 0x7f) ? '?' : *p;
  }
  return out;
}

namespace {

bool is_success(int r) {
  return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
         r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

// RFC 5530 response codes that say "try again later".
bool temporary_refusal(const mailimap* imap) {
  const mailimap_response_info* info = imap->imap_response_info;
  if (info == nullptr || info->rsp_atom == nullptr) return false;
  const std::string code = ascii_lower(info->rsp_atom);
  return code == "unavailable" || code == "inuse";
}

}  // namespace

void Session::Impl::check(int r, std::string_view command, ErrorKind refused_kind) {
  if (is_success(r)) return;
  const std::string cmd(command);
  if (watchdog.fired()) {
    bool stopped = false;
    {
      std::lock_guard lock(io_mu);
      stopped = stop_requested;
    }
    if (stopped) fail_broken(cmd + " with " + where + " stopped");
    fail_broken(cmd + " with " + where + " timed out after " + std::to_string(armed_for.count()) + " ms");
  }
  switch (r) {
    case MAILIMAP_ERROR_STREAM:
    case MAILIMAP_ERROR_CONNECTION_REFUSED:
    case MAILIMAP_ERROR_SSL:
    case MAILIMAP_ERROR_NEEDS_MORE_DATA:
      if (stream() != nullptr && stream_saw_eof(stream())) {
        fail_broken(cmd + ": " + where + " closed the connection");
      }
      fail_broken(cmd + ": connection to " + where + " failed (read/write error or no data for " +
                  std::to_string(timeout_seconds(config.command_timeout)) + " s)");
    case MAILIMAP_ERROR_PARSE:
      fail_broken(cmd + ": cannot parse the response of " + where);
    case MAILIMAP_ERROR_MEMORY:
      fail_broken(cmd + ": out of memory while reading the response of " + where);
    case MAILIMAP_ERROR_FATAL:
      fail_broken(cmd + ": " + where + " closed the session: BYE " + server_text());
    case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
      fail_broken(where + " refused the connection: BYE " + server_text());
    case MAILIMAP_ERROR_PROTOCOL:
      // BAD (the tag matched and the response was read to its end).
      throw Error(ErrorKind::permanent, "imap: " + where + " rejected " + cmd + " (BAD): " + server_text());
    case MAILIMAP_ERROR_BAD_STATE:
      throw Error(ErrorKind::permanent, "imap: " + cmd + " is not valid in this state (is a mailbox selected?)");
    case MAILIMAP_ERROR_INVAL:
      throw Error(ErrorKind::permanent, "imap: invalid arguments for " + cmd);
    default: {
      // The command's own error code: the server answered NO.
      const ErrorKind kind = temporary_refusal(imap.get()) ? ErrorKind::transient : refused_kind;
      throw Error(kind, "imap: " + where + " refused " + cmd + ": " + server_text());
    }
  }
}

void Session::Impl::load_capabilities() {
  capabilities.clear();
  const mailimap_connection_info* info = imap->imap_connection_info;
  if (info == nullptr || info->imap_capability == nullptr) return;
  etpan::for_each<struct mailimap_capability>(info->imap_capability->cap_list, [&](const struct mailimap_capability* c) {
    std::string name = c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE
                           ? "AUTH=" + etpan::str(c->cap_data.cap_auth_type)
                           : etpan::str(c->cap_data.cap_name);
    for (char& ch : name) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    capabilities.push_back(std::move(name));
  });
}

void Session::Impl::request_capabilities() {
  mailimap_capability_data* raw = nullptr;
  const int r = run([&] { return mailimap_capability(imap.get(), &raw); });
  if (raw != nullptr) mailimap_capability_data_free(raw);  // a copy; the cache holds the same
  check(r, "CAPABILITY");
  load_capabilities();
}

bool Session::Impl::has(std::string_view capability) const {
  const std::string want = ascii_lower(capability);
  return std::any_of(capabilities.begin(), capabilities.end(),
                     [&](const std::string& c) { return ascii_lower(c) == want; });
}

// ---- Session ----

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

const std::vector<std::string>& Session::capabilities() const { return impl_->capabilities; }

bool Session::has_capability(std::string_view name) const { return impl_->has(name); }

bool Session::usable() const noexcept { return impl_ != nullptr && !impl_->broken; }

void Session::noop() {
  const int r = impl_->run([&] { return mailimap_noop(impl_->imap.get()); });
  impl_->check(r, "NOOP");
}

void Session::logout() noexcept {
  if (impl_ == nullptr || impl_->broken) return;
  try {
    // Not mailimap_logout(): it frees the stream while the watchdog may still
    // be able to cancel it. Sent as a plain command, then closed here.
    impl_->run([&] { return mailimap_custom_command(impl_->imap.get(), "LOGOUT"); });
  } catch (...) {
    // best effort
  }
  impl_->set_cancel_targets(nullptr, -1);
  if (impl_->imap->imap_stream != nullptr) {
    mailstream_close(impl_->imap->imap_stream);
    impl_->imap->imap_stream = nullptr;
  }
  impl_->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
  impl_->broken = true;
  impl_->broken_why = "logged out";
}

}  // namespace raven::imap
