// JSON encoding of chat requests and parsing of answers (OpenAI's
// chat-completions format).
#include "llm/chat.hpp"

#include "common/error.hpp"

namespace raven::llm {
namespace {

using nlohmann::json;

[[noreturn]] void bad_response(const std::string& why) {
  throw Error(ErrorKind::permanent, "llm: unusable response: " + why);
}

// A non-negative integer field of `usage`, 0 when absent or of another type
// (some servers send null): usage is for logs, never worth failing over.
std::uint64_t count_field(const json& usage, const char* key) {
  auto it = usage.find(key);
  if (it == usage.end() || !it->is_number_integer()) return 0;
  return it->is_number_unsigned()
             ? it->get<std::uint64_t>()
             : static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
}

ToolCall parse_tool_call(const json& call, std::size_t index) {
  if (!call.is_object()) bad_response("a tool call is not an object");
  ToolCall out;
  if (auto id = call.find("id"); id != call.end() && id->is_string()) {
    out.id = id->get<std::string>();
  } else {
    // Some local servers omit the id; the tool message still needs one.
    out.id = "call_" + std::to_string(index + 1);
  }
  auto fn = call.find("function");
  if (fn == call.end() || !fn->is_object()) bad_response("a tool call has no function");
  auto name = fn->find("name");
  if (name == fn->end() || !name->is_string()) bad_response("a tool call has no function name");
  out.name = name->get<std::string>();
  auto args = fn->find("arguments");
  if (args == fn->end() || args->is_null()) {
    out.arguments = "{}";
  } else if (args->is_string()) {
    out.arguments = args->get<std::string>();
  } else {
    // Ollama's native format sends an object; keep the text form for the loop.
    out.arguments = args->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

// Cuts `s` to at most `limit` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, std::size_t limit) {
  if (s.size() <= limit) return;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  s += "...";
}

}  // namespace

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "user";
}

json to_json(const ChatRequest& request) {
  json messages = json::array();
  for (const auto& m : request.messages) {
    json msg = {{"role", to_string(m.role)}};
    if (m.role == Role::assistant && !m.tool_calls.empty()) {
      // OpenAI: content may be null when the assistant only called tools.
      msg["content"] = m.content.empty() ? json(nullptr) : json(m.content);
      json calls = json::array();
      for (const auto& c : m.tool_calls) {
        calls.push_back({{"id", c.id},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      }
      msg["tool_calls"] = std::move(calls);
    } else {
      msg["content"] = m.content;
    }
    if (m.role == Role::tool) msg["tool_call_id"] = m.tool_call_id;
    messages.push_back(std::move(msg));
  }
  json body = {{"model", request.model}, {"messages", std::move(messages)}};
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (!request.tools.is_null()) body["tools"] = request.tools;
  if (!request.tool_choice.is_null()) body["tool_choice"] = request.tool_choice;
  return body;
}

std::string encode_request(const ChatRequest& request) {
  return to_json(request).dump(-1, ' ', false, json::error_handler_t::replace);
}

ChatResponse parse_response(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) bad_response("the body is not JSON");
  if (!j.is_object()) bad_response("the body is not a JSON object");
  if (auto err = j.find("error"); err != j.end() && !err->is_null()) {
    // A 200 carrying an error (some proxies do this).
    throw Error(ErrorKind::permanent, "llm: the server answered with an error: " + error_summary(body, {}));
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) bad_response("no choices");
  if (choices->empty()) bad_response("choices is empty");
  const json& choice = choices->front();
  if (!choice.is_object()) bad_response("a choice is not an object");
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) bad_response("the choice has no message");

  ChatResponse out;
  if (auto content = message->find("content"); content != message->end() && !content->is_null()) {
    if (!content->is_string()) bad_response("the message content is not a string");
    out.content = content->get<std::string>();
  }
  if (auto calls = message->find("tool_calls"); calls != message->end() && !calls->is_null()) {
    if (!calls->is_array()) bad_response("tool_calls is not an array");
    for (std::size_t i = 0; i < calls->size(); ++i) out.tool_calls.push_back(parse_tool_call((*calls)[i], i));
  }
  if (auto finish = choice.find("finish_reason"); finish != choice.end() && finish->is_string()) {
    out.finish_reason = finish->get<std::string>();
  }
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    out.usage.prompt_tokens = count_field(*usage, "prompt_tokens");
    out.usage.completion_tokens = count_field(*usage, "completion_tokens");
    out.usage.total_tokens = count_field(*usage, "total_tokens");
    if (out.usage.total_tokens == 0)
      out.usage.total_tokens = out.usage.prompt_tokens + out.usage.completion_tokens;
  }
  if (auto model = j.find("model"); model != j.end() && model->is_string())
    out.model = model->get<std::string>();
  return out;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMark = "[redacted]";
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + kMark.size())) {
    text.replace(pos, secret.size(), kMark);
  }
  return text;
}

std::string error_summary(std::string_view body, std::string_view secret, std::size_t limit) {
  std::string text;
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() && j.is_object()) {
    auto err = j.find("error");
    if (err != j.end() && err->is_object()) {
      if (auto msg = err->find("message"); msg != err->end() && msg->is_string())
        text = msg->get<std::string>();
    } else if (err != j.end() && err->is_string()) {
      text = err->get<std::string>();
    } else if (auto msg = j.find("message"); msg != j.end() && msg->is_string()) {
      text = msg->get<std::string>();
    }
  }
  if (text.empty()) text = std::string(body);
  text = redact(std::move(text), secret);  // before cutting, so no piece of the secret survives
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  cut_utf8(text, limit);
  return text.empty() ? "(empty body)" : text;
}

}  // namespace raven::llm
