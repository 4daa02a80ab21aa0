// raven::llm::Config — where the chat-completions API is and how to talk to it.
//
// Filled by the config module from the `llm:` section; validate() is called
// once at start-up and returns every problem (field relative to `llm:`).
// Works with any OpenAI-compatible server: OpenAI, Ollama, llama.cpp's server,
// vLLM. Requests go to `{base_url}/chat/completions`.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "backoff/backoff.hpp"
#include "common/problem.hpp"

namespace raven::llm {

inline constexpr unsigned kMaxToolRoundsLimit = 64;

struct Config {
  // e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". A trailing
  // '/' is ignored. Plain http only to loopback unless allow_insecure_http.
  std::string base_url;
  // Sent as "Authorization: Bearer <api_key>"; empty = no header (local
  // servers need none). Never logged, and scrubbed from server error texts.
  std::string api_key;
  std::string model;
  std::string system_prompt;          // empty = no system message
  unsigned max_tokens = 1024;         // 0 = not sent (the server's default)
  std::optional<double> temperature;  // unset = not sent

  // Deadline for one HTTP request, connect to last byte (CURLOPT_TIMEOUT_MS).
  // complete() may make 1 + max_retries requests, plus the waits between them.
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // A larger answer is abandoned mid-transfer and is a permanent error.
  std::size_t max_response_bytes = std::size_t{4} << 20;
  // Retries after the first attempt, for network errors, timeouts, HTTP 408,
  // 429 and 5xx. 0 = one attempt only.
  unsigned max_retries = 3;
  backoff::Config retry_backoff{.initial = std::chrono::seconds(1), .max = std::chrono::seconds(30)};
  // Longest Retry-After (RFC 9110 §10.2.3) honoured; a longer one waits this long.
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};
  // Rounds of tool calls in one answer (tool_loop.hpp): after this many, one
  // last request with tool_choice "none" asks for the final text. 0 = tools
  // are never offered. At most kMaxToolRoundsLimit.
  unsigned max_tool_rounds = 8;

  std::string ca_file;  // PEM bundle; empty = the system trust store
  // Allows http:// to a host that is not loopback (the key and the mail would
  // cross the network in clear text).
  bool allow_insecure_http = false;

  // Every problem (fields relative to `llm:`); empty when valid. Never throws.
  Problems validate() const;

  // base_url without a trailing '/' + "/chat/completions".
  std::string endpoint() const;
  // base_url without a trailing '/' + "/models" (the start-up check).
  std::string models_endpoint() const;
};

// True if `host` (as written in a URL: "localhost", "127.0.0.2", "[::1]") is
// the loopback interface. Exposed for tests.
bool is_loopback_host(std::string_view host) noexcept;

}  // namespace raven::llm
