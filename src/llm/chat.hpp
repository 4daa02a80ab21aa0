// raven::llm chat types — one chat-completions request and its answer, and
// their JSON encoding (OpenAI's format, which Ollama, llama.cpp and vLLM share).
//
// Shaped for the tool-call loop (issue 5): an assistant message can carry the
// tool calls the model asked for, a `tool` message carries one call's result
// back, and a request can offer `tools` and set `tool_choice`.
//
// Everything here is pure (no I/O, no threads), so it is unit-tested without a
// server. Values are plain structs: copy and move freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace raven::llm {

enum class Role { system, user, assistant, tool };
std::string_view to_string(Role role) noexcept;

// One function call the model asked for.
struct ToolCall {
  std::string id;         // echoed back in the tool message's tool_call_id
  std::string name;       // the function's name, as the model wrote it (unchecked)
  std::string arguments;  // JSON text as the model wrote it; may be invalid JSON
  bool operator==(const ToolCall&) const = default;
};

struct Message {
  Role role = Role::user;
  std::string content;               // may be empty for an assistant turn with tool_calls
  std::vector<ToolCall> tool_calls;  // role assistant only
  std::string tool_call_id;          // role tool only

  static Message system(std::string text) { return {Role::system, std::move(text), {}, {}}; }
  static Message user(std::string text) { return {Role::user, std::move(text), {}, {}}; }
  static Message assistant(std::string text, std::vector<ToolCall> calls = {}) {
    return {Role::assistant, std::move(text), std::move(calls), {}};
  }
  static Message tool(std::string call_id, std::string result) {
    return {Role::tool, std::move(result), {}, std::move(call_id)};
  }
};

struct ChatRequest {
  std::string model;  // empty = the client's Config::model
  std::vector<Message> messages;
  std::optional<unsigned> max_tokens;
  std::optional<double> temperature;
  // Sent as given when not null: an array of {"type":"function","function":
  // {"name","description","parameters": <JSON Schema>}} objects.
  nlohmann::json tools;
  // Sent when not null: "auto", "none", "required" or {"type":"function",...}.
  nlohmann::json tool_choice;
};

struct Usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t total_tokens = 0;
};

struct ChatResponse {
  std::string content;               // "" when the model only called tools
  std::vector<ToolCall> tool_calls;  // empty unless finish_reason is "tool_calls"
  std::string finish_reason;         // "stop", "length", "tool_calls", "content_filter", or ""
  Usage usage;                       // zeros when the server reports none
  std::string model;                 // as reported by the server
  unsigned attempts = 1;             // HTTP requests complete() made for this answer
};

// The request body. Invalid UTF-8 in any text (mail often has it) is replaced
// by U+FFFD instead of throwing (DESIGN.md pitfall). Never throws on content.
std::string encode_request(const ChatRequest& request);
nlohmann::json to_json(const ChatRequest& request);

// Parses a 2xx body. Throws raven::Error (permanent) when the body is not
// JSON, has no choices, or a field has the wrong type: the same request would
// get the same answer again.
ChatResponse parse_response(std::string_view body);

// A short, single-line summary of an error body for logs and error messages:
// OpenAI's error.message (or error as a string, or message), else the start of
// the body; control characters replaced, cut at `limit` bytes, and every
// occurrence of `secret` (the API key, which some servers echo) replaced by
// "[redacted]".
std::string error_summary(std::string_view body, std::string_view secret, std::size_t limit = 200);

// `text` with every occurrence of `secret` replaced by "[redacted]"; `text`
// unchanged when `secret` is empty.
std::string redact(std::string text, std::string_view secret);

}  // namespace raven::llm
