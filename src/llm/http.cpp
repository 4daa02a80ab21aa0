// HttpClient: libcurl easy-handle set-up, callbacks and error mapping.
#include "llm/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>

#include "common/error.hpp"
#include "common/text.hpp"

namespace raven::llm {
namespace {

// Error bodies are only summarised; keeping more of them is pointless.
constexpr std::size_t kMaxErrorBody = std::size_t{64} * 1024;

// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
std::chrono::seconds parse_retry_after(std::string_view value) {
  value = trim(value);
  if (value.empty()) return std::chrono::seconds(-1);
  long long secs = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec == std::errc{} && ptr == value.data() + value.size()) {
    return std::chrono::seconds(std::max(0LL, secs));
  }
  const std::string date(value);
  const std::time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::chrono::seconds(-1);
  return std::chrono::seconds(std::max<long long>(0, static_cast<long long>(when - std::time(nullptr))));
}

}  // namespace

void global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw Error(ErrorKind::fatal,
                std::string("llm: libcurl initialisation failed: ") + curl_easy_strerror(result));
  }
}

// State of one post_json call, reached from libcurl's callbacks.
struct HttpClient::Transfer {
  CURL* curl = nullptr;
  std::stop_token stop;
  std::size_t max_bytes = 0;
  std::string body;
  long status = 0;  // 0 until the first body byte
  bool too_large = false;
  std::chrono::seconds retry_after{-1};

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t len = size * count;
    if (t->status == 0) {
      curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
      curl_off_t declared = -1;
      curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
      if (t->status < 300 && declared > 0 && static_cast<std::size_t>(declared) > t->max_bytes) {
        t->too_large = true;  // refuse before reading any of it
        return CURL_WRITEFUNC_ERROR;
      }
    }
    if (t->status >= 300) {
      // Keep the start of an error page for its message; drain the rest so a
      // big 503 page from a proxy stays a retryable 503.
      const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t->body.size());
      t->body.append(data, std::min(room, len));
      return len;
    }
    if (len > t->max_bytes - t->body.size()) {
      t->too_large = true;
      return CURL_WRITEFUNC_ERROR;
    }
    t->body.append(data, len);
    return len;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t len = size * count;
    std::string_view line(data, len);
    if (line.starts_with("HTTP/")) {
      t->retry_after = std::chrono::seconds(-1);  // a new response (after 1xx): forget the old one
    } else if (line.size() > 12 && ascii_lower(line.substr(0, 12)) == "retry-after:") {
      t->retry_after = parse_retry_after(line.substr(12));
    }
    return len;
  }

  static int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                         curl_off_t /*ulnow*/) {
    // Non-zero aborts with CURLE_ABORTED_BY_CALLBACK. libcurl calls this about
    // once per second while nothing moves, so stopping takes up to ~1 s.
    return static_cast<Transfer*>(user)->stop.stop_requested() ? 1 : 0;
  }
};

struct HttpClient::Handle {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
  }
  void add_header(const std::string& h) {
    curl_slist* next = curl_slist_append(headers, h.c_str());
    if (next == nullptr) throw Error(ErrorKind::fatal, "llm: out of memory building headers");
    headers = next;
  }
};

HttpClient::HttpClient(HttpOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  global_init();
  handle_->curl = curl_easy_init();
  if (handle_->curl == nullptr) throw Error(ErrorKind::fatal, "llm: curl_easy_init failed");
  handle_->add_header("Content-Type: application/json");
  handle_->add_header("Accept: application/json");
  handle_->add_header("Expect:");  // no 100-continue round trip (DESIGN.md pitfall)
  if (!options_.bearer_token.empty()) handle_->add_header("Authorization: Bearer " + options_.bearer_token);

  CURL* c = handle_->curl;
  bool ok = true;
  const auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));  // threads: never SIGALRM for DNS timeouts
  set(curl_easy_setopt(c, CURLOPT_HTTPHEADER, handle_->headers));
  set(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle_->error));
  set(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!options_.ca_file.empty()) set(curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str()));
  set(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count())));
  set(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count())));
  set(curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L));
  set(curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str()));
  set(curl_easy_setopt(c, CURLOPT_POST, 1L));
  set(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Transfer::on_write));
  set(curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Transfer::on_header));
  set(curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress));
  set(curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L));
  if (!ok) throw Error(ErrorKind::fatal, "llm: libcurl rejected an option (libcurl too old?)");
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::post_json(const std::string& url, std::string_view body, std::stop_token stop) {
  return perform(url, &body, std::move(stop));
}

HttpResponse HttpClient::get(const std::string& url, std::stop_token stop) {
  return perform(url, nullptr, std::move(stop));
}

HttpResponse HttpClient::perform(const std::string& url, const std::string_view* body, std::stop_token stop) {
  if (stop.stop_requested()) throw Error(ErrorKind::transient, "llm: cancelled");
  CURL* c = handle_->curl;
  Transfer t;
  t.curl = c;
  t.stop = std::move(stop);
  t.max_bytes = options_.max_response_bytes;
  handle_->error[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());  // not copied: `body` outlives perform
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);

  const CURLcode rc = curl_easy_perform(c);
  last_new_connections_ = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &last_new_connections_);
  // The callbacks' target dies with this frame.
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, nullptr);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);

  if (rc == CURLE_OK) {
    HttpResponse out;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    out.body = std::move(t.body);
    out.retry_after = t.retry_after;
    return out;
  }
  if (t.too_large) {
    throw Error(ErrorKind::permanent, "llm: response larger than " +
                                          std::to_string(options_.max_response_bytes) +
                                          " bytes (max_response_bytes)");
  }
  const std::string detail = handle_->error[0] != '\0' ? handle_->error : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK: throw Error(ErrorKind::transient, "llm: cancelled");
    case CURLE_OPERATION_TIMEDOUT: throw Error(ErrorKind::transient, "llm: timed out: " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: throw Error(ErrorKind::fatal, "llm: " + detail);
    default:
      // Connect failures, resets, a body cut short (CURLE_PARTIAL_FILE), TLS
      // handshake trouble: the network, not the request.
      throw Error(ErrorKind::transient, "llm: " + detail);
  }
}

}  // namespace raven::llm
