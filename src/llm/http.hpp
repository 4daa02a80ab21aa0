// raven::llm::HttpClient — one libcurl easy handle, reused for every request
// a worker makes, so connections are kept alive and TLS set-up is paid once.
//
// Why one handle per worker: the GnuTLS build of libcurl loads every
// certificate in /etc/ssl/certs for each new handle (DESIGN.md pitfall; TLS
// requests fall from ~900/s to ~40/s). A handle is not thread-safe, so each
// answer worker owns its own Client and therefore its own HttpClient.
//
// What it guarantees on every request: no `Expect: 100-continue` (removed),
// peer and host name verified, a whole-request deadline and a connect
// deadline, a cap on the bytes kept from the response (the transfer is
// aborted past it), no signals (CURLOPT_NOSIGNAL), no redirects followed, only
// http and https, and cancellation through a std::stop_token. libcurl calls the
// progress callback that checks the token about once per second while a
// transfer is idle, so a stop takes effect within ~1 s, not at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

namespace raven::llm {

// curl_global_init, exactly once per process (std::call_once). The service
// calls it before starting threads; HttpClient's constructor calls it too, so
// tests need not. Throws raven::Error (fatal) if libcurl cannot initialise.
void global_init();

struct HttpOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::size_t max_response_bytes = std::size_t{4} << 20;
  std::string bearer_token;  // empty = no Authorization header
  std::string ca_file;       // empty = the system trust store
  std::string user_agent = "raven";
};

struct HttpResponse {
  long status = 0;
  std::string body;  // for status >= 300 only the first 64 KiB are kept
  // Retry-After (RFC 9110 §10.2.3), seconds or an HTTP-date, as a delay from
  // now; negative when absent or unparseable.
  std::chrono::seconds retry_after{-1};
};

class HttpClient {
 public:
  // Creates the easy handle and the header list. Throws raven::Error (fatal)
  // if libcurl cannot. Does not connect.
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` as application/json and returns whatever status came back.
  // Blocks for at most options.timeout (+ ~1 s to notice a stop). Throws
  // raven::Error:
  //   transient — could not connect, connection cut (including a body shorter
  //               than its Content-Length), timeout, TLS handshake failure,
  //               and "cancelled" when `stop` was requested;
  //   permanent — a 2xx response larger than max_response_bytes;
  //   fatal     — the certificate did not verify, the CA file is unusable, the
  //               URL is malformed (configuration problems; retrying is useless).
  // Messages never contain the bearer token or the body. Call from the
  // owning thread only.
  HttpResponse post_json(const std::string& url, std::string_view body, std::stop_token stop);

  // GETs `url` (Accept: application/json); otherwise like post_json.
  HttpResponse get(const std::string& url, std::stop_token stop);

  // Connections libcurl opened during the last post_json (0 = reused one).
  long last_new_connections() const noexcept { return last_new_connections_; }

 private:
  struct Transfer;
  struct Handle;
  HttpOptions options_;
  std::unique_ptr<Handle> handle_;
  long last_new_connections_ = 0;

  // One request: a POST of `*body`, or a GET when body is null.
  HttpResponse perform(const std::string& url, const std::string_view* body, std::stop_token stop);
};

}  // namespace raven::llm
