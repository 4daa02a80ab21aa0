// Client::complete: the retry loop around one chat-completions request.
#include "llm/client.hpp"

#include <stdexcept>

#include "common/error.hpp"

namespace raven::llm {
namespace {

using std::chrono::milliseconds;

// RFC 9110 §15.5.9 (408), RFC 6585 §4 (429), §15.6 (5xx): the server may
// answer if asked again. Every other 4xx says the request itself is wrong.
bool retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

// 401/403: the key was refused; 404: no such model or endpoint. The message
// is not at fault and every later one would fail the same way: stop and tell
// the operator, keep the message (like SMTP's refused authentication).
bool refused_configuration(long status) { return status == 401 || status == 403 || status == 404; }

std::string refusal_hint(long status) {
  return status == 404 ? " (check llm.base_url and llm.model)" : " (check llm.api_key)";
}

HttpOptions http_options(const Config& c) {
  HttpOptions o;
  o.timeout = c.timeout;
  o.connect_timeout = c.connect_timeout;
  o.max_response_bytes = c.max_response_bytes;
  o.bearer_token = c.api_key;
  o.ca_file = c.ca_file;
  return o;
}

Config checked(Config c) {
  if (auto problems = c.validate(); !problems.empty()) {
    throw std::invalid_argument("llm: " + problems.front().field + " " + problems.front().message);
  }
  return c;
}

}  // namespace

Client::Client(Config config, const log::Logger& logger, Clock& clock, std::uint64_t seed)
    : config_(checked(std::move(config))),
      log_(logger.with({{"component", "llm"}})),
      clock_(clock),
      http_(http_options(config_)),
      backoff_(config_.retry_backoff, seed),
      endpoint_(config_.endpoint()) {}

std::optional<Error> Client::check(std::stop_token stop) {
  try {
    HttpResponse r = http_.get(config_.models_endpoint(), std::move(stop));
    if (r.status >= 200 && r.status < 300) return std::nullopt;
    std::string failure = "llm: HTTP " + std::to_string(r.status) + " from " + config_.models_endpoint() + ": " +
                          error_summary(r.body, config_.api_key);
    if (r.status == 401 || r.status == 403) return Error(ErrorKind::fatal, failure + refusal_hint(r.status));
    return Error(ErrorKind::transient, failure);
  } catch (const Error& e) {
    return Error(e.kind() == ErrorKind::fatal ? ErrorKind::fatal : ErrorKind::transient,
                 redact(e.what(), config_.api_key));
  }
}

ChatResponse Client::complete(const ChatRequest& request, std::stop_token stop) {
  nlohmann::json j = to_json(request);
  if (request.model.empty()) j["model"] = config_.model;
  const std::string model = j["model"].get<std::string>();
  // Mail text is often invalid UTF-8: replace, never throw (DESIGN.md pitfall).
  const std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  j = nullptr;  // the request may be large; keep one copy

  const unsigned max_attempts = 1 + config_.max_retries;
  const auto started = std::chrono::steady_clock::now();
  backoff_.reset();
  for (unsigned attempt = 1;; ++attempt) {
    milliseconds delay{-1};
    std::string failure;
    try {
      HttpResponse r = http_.post_json(endpoint_, body, stop);
      if (r.status >= 200 && r.status < 300) {
        ChatResponse out;
        try {
          out = parse_response(r.body);
        } catch (const Error& e) {
          std::string why = redact(e.what(), config_.api_key);
          log_.warn("llm response unusable; giving up on this message",
                    {{"model", model}, {"status", r.status}, {"attempt", attempt}, {"error", why}});
          throw Error(e.kind(), why);
        }
        out.attempts = attempt;
        log_.info("llm answered", {{"model", out.model.empty() ? model : out.model},
                                   {"prompt_tokens", out.usage.prompt_tokens},
                                   {"completion_tokens", out.usage.completion_tokens},
                                   {"total_tokens", out.usage.total_tokens},
                                   {"duration", std::chrono::duration_cast<milliseconds>(
                                                    std::chrono::steady_clock::now() - started)},
                                   {"attempt", attempt},
                                   {"finish_reason", out.finish_reason},
                                   {"tool_calls", out.tool_calls.size()}});
        return out;
      }
      failure = "llm: HTTP " + std::to_string(r.status) + ": " + error_summary(r.body, config_.api_key);
      if (refused_configuration(r.status)) {
        failure += refusal_hint(r.status);
        log_.error("llm refused the configuration", {{"model", model}, {"status", r.status}, {"error", failure}});
        throw Error(ErrorKind::fatal, failure);
      }
      if (!retryable_status(r.status)) {
        log_.warn("llm request rejected; giving up on this message",
                  {{"model", model}, {"status", r.status}, {"attempt", attempt}, {"error", failure}});
        throw Error(ErrorKind::permanent, failure);
      }
      if (r.retry_after.count() >= 0) {
        delay = std::min<milliseconds>(r.retry_after, config_.max_retry_after);
      }
    } catch (const Error& e) {
      // Permanent and fatal errors, and a stop request, end the loop here.
      if (e.kind() != ErrorKind::transient || stop.stop_requested()) throw;
      failure = e.what();
    }

    if (attempt >= max_attempts) {
      log_.warn("llm request failed; giving up for now",
                {{"model", model}, {"attempt", attempt}, {"error", failure}});
      throw Error(ErrorKind::transient, failure + " (after " + std::to_string(attempt) + " attempts)");
    }
    if (delay.count() < 0) delay = backoff_.next();
    log_.warn("llm request failed; retrying",
              {{"model", model}, {"attempt", attempt}, {"error", failure}, {"delay", delay}});
    if (!clock_.sleep_for(delay, stop)) throw Error(ErrorKind::transient, "llm: cancelled");
  }
}

ChatRequest make_request(const Config& config, std::string user_turn) {
  ChatRequest r;
  r.model = config.model;
  if (!config.system_prompt.empty()) r.messages.push_back(Message::system(config.system_prompt));
  r.messages.push_back(Message::user(std::move(user_turn)));
  if (config.max_tokens != 0) r.max_tokens = config.max_tokens;
  r.temperature = config.temperature;
  return r;
}

}  // namespace raven::llm
