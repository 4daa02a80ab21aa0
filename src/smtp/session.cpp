// raven::smtp::Session — libcurl easy handle kept per session; see session.hpp.
#include "smtp/session.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/text.hpp"
#include "smtp/dialogue.hpp"
#include "smtp/outcome.hpp"

namespace raven::smtp {
namespace {

// RFC 5321 §4.5.3.1.8: servers must accept at least 100 recipients; more is
// never a reply to one email.
constexpr std::size_t max_recipients = 100;

// libcurl 8.2 fixed the spelling of this option; 7.88 (Debian 12) has the old
// one. Both are option 290, available since 7.69.
#if LIBCURL_VERSION_NUM >= 0x080200
constexpr CURLoption opt_rcpt_allowfails = CURLOPT_MAIL_RCPT_ALLOWFAILS;
#else
constexpr CURLoption opt_rcpt_allowfails = CURLOPT_MAIL_RCPT_ALLLOWFAILS;
#endif

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is reference-counted and thread-safe since libcurl 7.84.
class CurlGlobal {
 public:
  CurlGlobal() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error(ErrorKind::fatal, "smtp: libcurl global initialisation failed");
    }
  }
  ~CurlGlobal() { curl_global_cleanup(); }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

long to_long_ms(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<std::int64_t>(d.count(), 1));
}

// Whole seconds, rounded up (CURLOPT_SERVER_RESPONSE_TIMEOUT takes seconds).
long to_long_seconds_ceil(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<std::int64_t>((d.count() + 999) / 1000, 1));
}

std::string url_for(const Config& config) {
  std::string host = config.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  const char* scheme = config.tls == Tls::implicit ? "smtps://" : "smtp://";
  return scheme + host + ":" + std::to_string(config.effective_port());
}

// Why `message` cannot be sent as is, or "".
std::string message_problem(std::string_view message) {
  if (message.empty()) return "the message is empty";
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\0') return "the message contains a NUL byte at offset " + std::to_string(i);
    if (c == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) {
      return "the message contains a bare CR at offset " + std::to_string(i) + " (line ends must be CRLF)";
    }
    if (c == '\n' && (i == 0 || message[i - 1] != '\r')) {
      return "the message contains a bare LF at offset " + std::to_string(i) + " (line ends must be CRLF)";
    }
  }
  return {};
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + with.size())) {
    text.replace(at, needle.size(), with);
  }
}

}  // namespace

struct Session::Impl {
  CurlGlobal global;  // first member: initialised before and released after the handle
  Config config;
  log::Logger log;
  std::string url;
  std::string endpoint;  // "host:port" for messages
  EasyHandle handle;
  std::array<char, CURL_ERROR_SIZE> errbuf{};
  Dialogue dialogue;

  // The transfer in progress (callbacks read these).
  std::string_view body;
  std::size_t body_offset = 0;
  std::stop_token stop;
  CURLcode last_code = CURLE_OK;

  Impl(Config c, const log::Logger& logger)
      : config(std::move(c)),
        log(logger.with({{"component", "smtp"}, {"host", config.host}, {"port", config.effective_port()}})),
        url(url_for(config)),
        endpoint(config.host + ":" + std::to_string(config.effective_port())) {}

  template <typename T>
  void set(CURLoption option, T value, const char* name) {
    const CURLcode rc = curl_easy_setopt(handle.get(), option, value);
    if (rc != CURLE_OK) {
      throw Error(ErrorKind::fatal,
                  std::string("smtp: libcurl refused option ") + name + ": " + curl_easy_strerror(rc));
    }
  }

  void prepare_handle();
  void abandon_connection() noexcept;
  SubmitResult perform(std::size_t recipient_count, std::stop_token stop_token);
  SubmitResult refuse(const std::string& why) const;
  std::string describe_failure(CURLcode code, const SubmitResult& result) const;
  std::string scrub(std::string text) const;
  void log_result(std::string_view what, const SubmitResult& result, std::size_t bytes) const;

  static size_t on_read(char* buffer, size_t size, size_t count, void* self) noexcept;
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) noexcept;
  static int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* self) noexcept;
  static size_t on_write(char*, size_t size, size_t count, void*) noexcept { return size * count; }
};

void Session::Impl::prepare_handle() {
  handle.reset(curl_easy_init());
  if (!handle) throw Error(ErrorKind::fatal, "smtp: curl_easy_init failed");
  CURL* h = handle.get();
  (void)h;

  set(CURLOPT_ERRORBUFFER, errbuf.data(), "ERRORBUFFER");
  set(CURLOPT_URL, url.c_str(), "URL");
  // Only SMTP, whatever the URL says: never let a redirect-like surprise
  // change the protocol.
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps", "PROTOCOLS_STR");
  set(CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");  // threads: no SIGALRM for DNS timeouts
  set(CURLOPT_CONNECTTIMEOUT_MS, to_long_ms(config.connect_timeout), "CONNECTTIMEOUT_MS");
  set(CURLOPT_TIMEOUT_MS, to_long_ms(config.timeout), "TIMEOUT_MS");
  set(CURLOPT_SERVER_RESPONSE_TIMEOUT, to_long_seconds_ceil(config.timeout), "SERVER_RESPONSE_TIMEOUT");

  // Keep the connection between messages (the default, stated for the reader).
  set(CURLOPT_FORBID_REUSE, 0L, "FORBID_REUSE");
  set(CURLOPT_FRESH_CONNECT, 0L, "FRESH_CONNECT");

  switch (config.tls) {
    case Tls::implicit:  // smtps:// is TLS from the start; ALL also refuses anything else
    case Tls::starttls:  // RFC 3207: required, never CURLUSESSL_TRY
      set(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL), "USE_SSL");
      break;
    case Tls::none:  // loopback only (Config::validate)
      set(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE), "USE_SSL");
      break;
  }
  set(CURLOPT_SSL_VERIFYPEER, 1L, "SSL_VERIFYPEER");
  set(CURLOPT_SSL_VERIFYHOST, 2L, "SSL_VERIFYHOST");
  if (!config.ca_file.empty()) set(CURLOPT_CAINFO, config.ca_file.c_str(), "CAINFO");

  if (!config.username.empty()) {
    set(CURLOPT_USERNAME, config.username.c_str(), "USERNAME");
    set(CURLOPT_PASSWORD, config.password.c_str(), "PASSWORD");
    // RFC 4616 PLAIN or the older LOGIN, whichever the server offers; both
    // are as safe as the TLS under them. No CRAM-MD5/DIGEST-MD5 (obsolete,
    // RFC 6331) and no silent NTLM/GSSAPI attempts.
    set(CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN", "LOGIN_OPTIONS");
  }

  set(opt_rcpt_allowfails, 1L, "MAIL_RCPT_ALLOWFAILS");
  set(CURLOPT_READFUNCTION, &Impl::on_read, "READFUNCTION");
  set(CURLOPT_READDATA, static_cast<void*>(this), "READDATA");
  set(CURLOPT_WRITEFUNCTION, &Impl::on_write, "WRITEFUNCTION");  // NOOP's reply text
  set(CURLOPT_NOPROGRESS, 0L, "NOPROGRESS");
  set(CURLOPT_XFERINFOFUNCTION, &Impl::on_progress, "XFERINFOFUNCTION");
  set(CURLOPT_XFERINFODATA, static_cast<void*>(this), "XFERINFODATA");
  // The protocol trace feeds Dialogue; with a DEBUGFUNCTION nothing is printed.
  set(CURLOPT_DEBUGFUNCTION, &Impl::on_debug, "DEBUGFUNCTION");
  set(CURLOPT_DEBUGDATA, static_cast<void*>(this), "DEBUGDATA");
  set(CURLOPT_VERBOSE, 1L, "VERBOSE");
}

size_t Session::Impl::on_read(char* buffer, size_t size, size_t count, void* self) noexcept {
  auto* impl = static_cast<Impl*>(self);
  const std::size_t room = size * count;
  const std::size_t n = std::min(room, impl->body.size() - impl->body_offset);
  std::memcpy(buffer, impl->body.data() + impl->body_offset, n);
  impl->body_offset += n;
  // libcurl stops reading once it has INFILESIZE bytes, so "all handed over"
  // is the signal; it sends the end-of-data mark right after.
  if (impl->body_offset == impl->body.size()) impl->dialogue.on_message_sent();
  return n;
}

int Session::Impl::on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) noexcept {
  // libcurl calls this about once a second while waiting, more often while
  // moving data; non-zero aborts with CURLE_ABORTED_BY_CALLBACK.
  return static_cast<Impl*>(self)->stop.stop_requested() ? 1 : 0;
}

int Session::Impl::on_debug(CURL*, curl_infotype type, char* data, size_t size, void* self) noexcept {
  auto* impl = static_cast<Impl*>(self);
  try {
    if (type == CURLINFO_HEADER_OUT) {
      impl->dialogue.on_sent(std::string_view(data, size));
    } else if (type == CURLINFO_HEADER_IN) {
      impl->dialogue.on_received(std::string_view(data, size));
    }
    // CURLINFO_TEXT, DATA_OUT (the message) and SSL_* are ignored.
  } catch (...) {
    // Out of memory while copying a reply: the trace is best effort.
  }
  return 0;
}

std::string Session::Impl::scrub(std::string text) const {
  // A server could echo what it got; the password must not reach a log.
  if (!config.password.empty()) replace_all(text, config.password, "<password>");
  return text;
}

void Session::Impl::log_result(std::string_view what, const SubmitResult& result, std::size_t bytes) const {
  // Debug only: the caller knows what happens next and logs that (DESIGN.md,
  // "Style"). No message text, no password.
  if (!log.enabled(log::Level::debug)) return;
  std::vector<log::Field> fields{{"op", what},
                                 {"accepted", result.accepted},
                                 {"smtp_code", result.smtp_code},
                                 {"new_connection", result.new_connection},
                                 {"rejected_recipients", result.rejected.size()}};
  if (bytes != 0) fields.emplace_back("bytes", bytes);
  if (!result.accepted) {
    fields.emplace_back("kind", to_string(result.kind));
    fields.emplace_back("error", result.error);
  }
  log.debug(result.accepted ? "smtp exchange done" : "smtp exchange failed", std::move(fields));
}

SubmitResult Session::Impl::refuse(const std::string& why) const {
  SubmitResult result;
  result.kind = ErrorKind::permanent;
  result.error = scrub("not sent to " + endpoint + ": " + why);
  log_result("submit", result, 0);
  return result;
}

std::string Session::Impl::describe_failure(CURLcode code, const SubmitResult& result) const {
  const std::string curl_text = errbuf[0] != '\0' ? std::string(errbuf.data()) : curl_easy_strerror(code);
  std::string text;
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    text = "cancelled while talking to " + endpoint;
  } else if (is_certificate_failure(code)) {
    text = "TLS certificate of " + endpoint + " not trusted (" +
           (config.ca_file.empty() ? std::string("system trust store") : "ca_file " + config.ca_file) +
           "): " + curl_text;
  } else if (failed_on_reply(code, dialogue)) {
    const Reply& reply = dialogue.last_reply();
    if (reply.stage == Stage::rcpt) {
      text = "every recipient refused by " + endpoint + ":";
      bool first = true;
      for (const RejectedRecipient& r : result.rejected) {
        text += (first ? " " : "; ") + r.address + ": " + std::to_string(r.code) + " " + r.reply;
        first = false;
      }
    } else if (reply.stage == Stage::auth) {
      text = "authentication as " + config.username + " refused by " + endpoint + ": " +
             std::to_string(reply.code) + " " + reply.text;
    } else {
      text = std::string(to_string(reply.stage)) + " refused by " + endpoint + ": " +
             std::to_string(reply.code) + " " + reply.text;
    }
  } else if (code == CURLE_USE_SSL_FAILED) {
    text = endpoint + " does not offer STARTTLS; refusing to continue without TLS (" + curl_text + ")";
  } else if (code == CURLE_LOGIN_DENIED) {
    text = "cannot authenticate as " + config.username + " at " + endpoint +
           " (the server offers neither AUTH PLAIN nor AUTH LOGIN?): " + curl_text;
  } else {
    text = "SMTP with " + endpoint + " failed: " + curl_text;
    if (dialogue.has_reply()) {
      text += " (last reply: " + std::to_string(dialogue.last_reply().code) + " to " +
              std::string(to_string(dialogue.last_reply().stage)) + ")";
    }
  }
  if (result.outcome_unknown) text += "; the whole message was sent, the server may have accepted it";
  return scrub(std::move(text));
}

// libcurl 7.88 leaves the connection in its cache ("left intact") when the
// transfer is aborted or times out while waiting for the reply to the end of
// data: the next submission would then read the late verdict on the old
// message as the answer to its MAIL FROM, and curl_easy_cleanup would send
// QUIT and wait for it up to the response timeout. After any failure we shut
// the socket down (without closing it: libcurl still owns the descriptor), so
// libcurl finds the connection dead, drops it without QUIT and connects anew.
void Session::Impl::abandon_connection() noexcept {
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(handle.get(), CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK &&
      socket != CURL_SOCKET_BAD) {
    ::shutdown(socket, SHUT_RDWR);
  }
}

SubmitResult Session::Impl::perform(std::size_t recipient_count, std::stop_token stop_token) {
  errbuf[0] = '\0';
  dialogue.reset(recipient_count);
  body_offset = 0;
  if (stop_token.stop_requested()) {
    // Do not even connect; libcurl would only notice at its first progress call.
    last_code = CURLE_ABORTED_BY_CALLBACK;
    SubmitResult result;
    result.kind = ErrorKind::transient;
    result.cancelled = true;
    return result;
  }
  stop = std::move(stop_token);

  const CURLcode code = curl_easy_perform(handle.get());
  last_code = code;
  stop = {};

  if (code != CURLE_OK) abandon_connection();

  SubmitResult result;
  long response_code = 0;
  long new_connections = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &response_code);
  curl_easy_getinfo(handle.get(), CURLINFO_NUM_CONNECTS, &new_connections);
  result.new_connection = new_connections > 0;
  result.smtp_code = dialogue.has_reply() ? dialogue.last_reply().code : static_cast<int>(response_code);
  result.smtp_reply = scrub(dialogue.last_reply().text);
  if (code == CURLE_OK) {
    result.accepted = true;
    return result;
  }
  result.kind = classify(code, dialogue);
  result.cancelled = code == CURLE_ABORTED_BY_CALLBACK;
  result.outcome_unknown = dialogue.outcome_unknown();
  return result;
}

Session::Session(Config config, const log::Logger& logger) {
  if (Problems problems = config.validate(); !problems.empty()) {
    std::string text = "smtp: invalid configuration:";
    for (const Problem& p : problems) text += " " + p.field + ": " + p.message + ";";
    text.pop_back();
    if (!config.password.empty()) replace_all(text, config.password, "<password>");
    throw Error(ErrorKind::fatal, text);
  }
  impl_ = std::make_unique<Impl>(std::move(config), logger);
  impl_->prepare_handle();
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Config& Session::config() const noexcept {
  return impl_->config;
}

SubmitResult Session::submit(std::string_view envelope_from, const std::vector<std::string>& recipients,
                             std::string_view message, std::stop_token stop) {
  Impl& s = *impl_;
  const std::string from(envelope_from.empty() ? std::string_view(s.config.envelope_from) : envelope_from);

  // Checked before anything is sent: libcurl would pass CR/LF through into the
  // SMTP command line (RFC 5321 §2.3.8 makes CRLF the command terminator).
  if (std::string why = envelope_address_problem(from); !why.empty())
    return s.refuse("envelope sender " + why);
  if (recipients.empty()) return s.refuse("no recipients");
  if (recipients.size() > max_recipients) {
    return s.refuse(std::to_string(recipients.size()) + " recipients (at most " +
                    std::to_string(max_recipients) + ")");
  }
  Slist rcpt;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (std::string why = envelope_address_problem(recipients[i]); !why.empty()) {
      return s.refuse("recipient " + std::to_string(i + 1) + " " + why);
    }
    curl_slist* grown = curl_slist_append(rcpt.get(), recipients[i].c_str());
    if (grown == nullptr) throw std::bad_alloc();
    (void)rcpt.release();
    rcpt.reset(grown);
  }
  if (std::string why = message_problem(message); !why.empty()) return s.refuse(why);

  s.body = message;
  s.set(CURLOPT_UPLOAD, 1L, "UPLOAD");
  s.set(CURLOPT_CUSTOMREQUEST, static_cast<const char*>(nullptr), "CUSTOMREQUEST");
  s.set(CURLOPT_MAIL_FROM, from.c_str(), "MAIL_FROM");
  s.set(CURLOPT_MAIL_RCPT, rcpt.get(), "MAIL_RCPT");
  // Lets libcurl announce SIZE= (RFC 1870) so an oversized message is refused
  // before it is sent.
  s.set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()), "INFILESIZE_LARGE");

  SubmitResult result = s.perform(recipients.size(), std::move(stop));
  s.set(CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr), "MAIL_RCPT");  // `rcpt` dies here
  s.body = {};

  const auto& replies = s.dialogue.rcpt_replies();
  for (std::size_t i = 0; i < recipients.size() && i < replies.size(); ++i) {
    if (replies[i].code >= 300) {
      result.rejected.push_back({recipients[i], replies[i].code, s.scrub(replies[i].text)});
    }
  }
  if (!result.accepted) result.error = s.describe_failure(s.last_code, result);
  s.log_result("submit", result, message.size());
  return result;
}

SubmitResult Session::verify(std::stop_token stop) {
  Impl& s = *impl_;
  s.body = {};
  s.set(CURLOPT_UPLOAD, 0L, "UPLOAD");
  s.set(CURLOPT_MAIL_FROM, static_cast<const char*>(nullptr), "MAIL_FROM");
  s.set(CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr), "MAIL_RCPT");
  // With no recipients and no upload, libcurl sends this command once the
  // session is set up (greeting, EHLO, STARTTLS, AUTH).
  s.set(CURLOPT_CUSTOMREQUEST, "NOOP", "CUSTOMREQUEST");
  SubmitResult result = s.perform(0, std::move(stop));
  s.set(CURLOPT_CUSTOMREQUEST, static_cast<const char*>(nullptr), "CUSTOMREQUEST");
  if (!result.accepted) result.error = s.describe_failure(s.last_code, result);
  s.log_result("verify", result, 0);
  return result;
}

}  // namespace raven::smtp
