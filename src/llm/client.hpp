// raven::llm::Client — asks an OpenAI-compatible chat-completions API for one
// answer, with timeouts, a response size cap, retries and backoff.
//
// Errors say how to react (common/error.hpp):
//  - transient: network errors, timeouts, a connection cut mid-body, HTTP 408,
//    429 and 5xx, after 1 + max_retries attempts; and a stop request
//    ("llm: cancelled"). The answer worker leaves the message unseen and
//    tries it again later.
//  - fatal: HTTP 401/403 (the key was refused) and 404 (no such model or
//    endpoint): the message is not at fault and every later one would fail
//    the same way, so the answer worker stops Raven and keeps the message
//    unseen rather than marking the whole mailbox failed.
//  - permanent: any other 4xx ("llm: HTTP 400: <server's message>"), a body
//    that is not a usable chat completion (not JSON, no choices, content not
//    a string), a 2xx body larger than max_response_bytes. Asking again would
//    get the same answer.
//  - fatal: the certificate did not verify, the CA file is unusable.
// Error texts carry the server's message (cut to 200 bytes, the API key
// scrubbed) but never the key or any message content.
//
// Waits between attempts: the server's Retry-After when it sends one (seconds
// or HTTP-date, capped at max_retry_after), else the retry_backoff sequence;
// slept on the injected Clock, so a stop request ends them at once.
//
// Logs (never the key, never prompts or answers): info "llm answered" with
// model, prompt/completion/total tokens, duration, attempts, finish_reason;
// warn "llm request failed; retrying" with the error, attempt and delay.
//
// Threads: a Client owns one HttpClient (one CURL handle, DESIGN.md) and is
// not thread-safe: each answer worker owns its own Client.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <stop_token>
#include <string>

#include "backoff/backoff.hpp"
#include "common/error.hpp"
#include "common/clock.hpp"
#include "llm/chat.hpp"
#include "llm/config.hpp"
#include "llm/http.hpp"
#include "log/log.hpp"

namespace raven::llm {

class Client {
 public:
  // Throws std::invalid_argument if config.validate() reports a problem, and
  // raven::Error (fatal) if libcurl cannot be set up. `clock` must outlive the
  // Client. Does not connect.
  Client(Config config, const log::Logger& logger, Clock& clock, std::uint64_t seed = std::random_device{}());

  // Sends `request` (an empty request.model means config.model) and returns
  // the first choice. Blocks: up to (1 + max_retries) * timeout plus the waits
  // between attempts; a stop request ends it within ~1 s (libcurl's progress
  // callback granularity) with a transient "llm: cancelled". Throws
  // raven::Error as described above. Call from the owning thread only.
  //
  // The tool-call loop (issue 5) is built on this and does not change it:
  //   offer tools (request.tools, tool_choice "auto"); while the answer has
  //   tool_calls and rounds < max_tool_rounds: append
  //   Message::assistant(content, tool_calls), run each call, append
  //   Message::tool(call.id, output), complete() again; after the cap, one
  //   last complete() with tool_choice "none" for the final text.
  ChatResponse complete(const ChatRequest& request, std::stop_token stop = {});

  // The start-up check: GET {base_url}/models once, no retries. nullopt
  // when it answered 2xx. Otherwise an Error saying what failed: fatal for a
  // refused key (401/403) or an untrusted certificate, transient for anything
  // else (the server is down, or does not list models: a 404 here says
  // nothing about chat completions). Does not log. Blocks up to the timeout.
  std::optional<Error> check(std::stop_token stop = {});

  const Config& config() const noexcept { return config_; }

 private:
  Config config_;
  log::Logger log_;
  Clock& clock_;
  HttpClient http_;
  backoff::Backoff backoff_;
  std::string endpoint_;
};

// The request for one email: the system prompt (if any), then `user_turn` as
// the user message, with the config's model, max_tokens (if not 0) and
// temperature (if set). Rendering the email into `user_turn` is the answer
// module's job. Never blocks.
ChatRequest make_request(const Config& config, std::string user_turn);

}  // namespace raven::llm
