// llm: the OpenAI-compatible chat-completions endpoint (llm::Config). The URL
// rules (https, or http to loopback), "model must be set" and the ranges are
// llm::Config::validate()'s checks. The API key is a secret like the IMAP
// password, but optional: local servers (Ollama, llama.cpp) need none.
#include <limits>

#include "config/sections.hpp"

namespace raven::config::detail {

void read_llm(MapReader& yaml, Config& config) {
  llm::Config& c = config.llm.emplace();
  yaml.get("base_url", c.base_url);
  read_secret(yaml, kApiKeyKeys, Need::optional, c.api_key);
  yaml.get("model", c.model);
  yaml.get("system_prompt", c.system_prompt);
  yaml.get("max_tokens", c.max_tokens, 0, std::numeric_limits<unsigned>::max());
  if (double t = 0; yaml.get("temperature", t)) c.temperature = t;
  yaml.get_duration("timeout", c.timeout, "2m");
  yaml.get_duration("connect_timeout", c.connect_timeout, "10s");
  yaml.get_bytes("max_response_bytes", c.max_response_bytes, "4MiB");
  yaml.get("max_retries", c.max_retries, 0, 20);
  yaml.get_duration("max_retry_after", c.max_retry_after, "60s");
  yaml.get("max_tool_rounds", c.max_tool_rounds, 0, llm::kMaxToolRoundsLimit);
  yaml.get_path("ca_file", c.ca_file);
  yaml.get("allow_insecure_http", c.allow_insecure_http);
}

}  // namespace raven::config::detail
