// converse(): the tool-call loop (see tool_loop.hpp). The checks here come
// before Tools::execute so that a garbage call costs nothing and every call,
// run or not, is answered: the API refuses a conversation in which a
// tool_call_id has no `tool` message.
#include "llm/tool_loop.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "tool/registry.hpp"
#include "tool/render.hpp"

namespace raven::llm {
namespace {

using nlohmann::json;

// Argument names logged per call; the rest are summarised.
constexpr std::size_t kLoggedNames = 16;
// Longest model-chosen name (tool, argument, call id) in a log line or a
// refusal; tool names are at most 64 (tool::valid_name).
constexpr std::size_t kShownName = 64;

// A model-chosen name made safe to quote: printable, bounded.
std::string shown(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, kShownName)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f || c == '"' || c == '\\' ? '?' : c;
  }
  if (name.size() > kShownName) out += "...";
  return out;
}

tool::Result not_run(std::string why) {
  tool::Result r;
  r.status = tool::Result::Status::refused;
  r.error = "the tool did not run: " + std::move(why);
  return r;
}

std::string_view status_name(tool::Result::Status s) {
  switch (s) {
    case tool::Result::Status::ran: return "ran";
    case tool::Result::Status::refused: return "refused";
    case tool::Result::Status::failed: return "failed";
  }
  return "unknown";
}

// The names of the functions offered in `definitions` (an OpenAI tools array).
std::set<std::string, std::less<>> offered_names(const json& definitions) {
  std::set<std::string, std::less<>> names;
  if (!definitions.is_array()) return names;
  for (const json& d : definitions) {
    if (!d.is_object()) continue;
    auto fn = d.find("function");
    if (fn == d.end() || !fn->is_object()) continue;
    auto name = fn->find("name");
    if (name != fn->end() && name->is_string()) names.insert(name->get<std::string>());
  }
  return names;
}

// One call after the loop's checks: the arguments' names (for the log), or
// the refusal.
struct Checked {
  std::string argument_names;  // "order_id,verbose"; never the values
  std::optional<tool::Result> refusal;
};

Checked check_call(const ToolCall& call, const std::set<std::string, std::less<>>& offered) {
  Checked out;
  if (!offered.contains(call.name)) {
    out.refusal = not_run("there is no tool named \"" + shown(call.name) + "\"");
    return out;
  }
  if (call.arguments.size() > tool::kMaxArgumentsText) {
    out.refusal = not_run("the arguments are too long");
    return out;
  }
  // Some models send "" for a tool without parameters (Registry::call agrees).
  if (call.arguments.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  const json parsed = json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    out.refusal = not_run("the arguments are not valid JSON");
    return out;
  }
  if (!parsed.is_object()) {
    out.refusal = not_run("the arguments must be a JSON object");
    return out;
  }
  std::size_t n = 0;
  for (const auto& item : parsed.items()) {
    if (n == kLoggedNames) {
      out.argument_names += ",+" + std::to_string(parsed.size() - n) + " more";
      break;
    }
    if (n++ > 0) out.argument_names += ',';
    out.argument_names += shown(item.key());
  }
  return out;
}

class Loop {
 public:
  Loop(const Complete& complete, const Tools& tools, const ToolLoopOptions& options,
       const log::Logger& logger, std::stop_token stop)
      : complete_(complete),
        tools_(tools),
        options_(options),
        log_(logger),
        stop_(std::move(stop)),
        offered_(offered_names(tools.definitions)) {}

  Conversation run(ChatRequest request) {
    if (tools_.empty() || options_.max_rounds == 0) {
      // No tools: exactly the single request Raven made before tools existed.
      request.tools = nullptr;
      request.tool_choice = nullptr;
      ask(request);
      return std::move(out_);
    }
    request.tools = tools_.definitions;
    request.tool_choice = "auto";
    for (;;) {
      if (out_.rounds >= options_.max_rounds) {
        if (!out_.capped) {
          log_.warn("tool rounds used up",
                    {{"rounds", out_.rounds}, {"next", "asking for the final answer"}});
        }
        request.tool_choice = "none";
        out_.capped = true;
      }
      ChatResponse& response = ask(request);
      if (response.tool_calls.empty()) return std::move(out_);
      if (out_.capped) {
        // The server ignored tool_choice "none": take the text, run nothing.
        log_.warn("llm called tools after tool_choice none",
                  {{"tool_calls", response.tool_calls.size()}, {"next", "using its text as the answer"}});
        out_.tool_calls += response.tool_calls.size();
        response.tool_calls.clear();
        return std::move(out_);
      }
      ++out_.rounds;
      answer_calls(request, response);
      if (stop_.stop_requested()) throw Error(ErrorKind::transient, "llm: cancelled");
    }
  }

 private:
  ChatResponse& ask(const ChatRequest& request) {
    out_.response = complete_(request, stop_);
    ++out_.requests;
    out_.usage.prompt_tokens += out_.response.usage.prompt_tokens;
    out_.usage.completion_tokens += out_.response.usage.completion_tokens;
    out_.usage.total_tokens += out_.response.usage.total_tokens;
    return out_.response;
  }

  // Appends the assistant turn and one tool message per call.
  void answer_calls(ChatRequest& request, const ChatResponse& response) {
    std::vector<ToolCall> calls = response.tool_calls;
    std::vector<std::optional<tool::Result>> refusals(calls.size());
    // Ids must be unique within the turn: each tool message names its call.
    // A duplicate or empty id gets one of ours (in the assistant turn we send
    // back too, so the pair still matches) and is not run: which of the two
    // the model meant is anyone's guess.
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (!calls[i].id.empty() && seen.insert(calls[i].id).second) continue;
      refusals[i] = not_run(calls[i].id.empty() ? "the call has no id"
                                                : "another call in this turn has the same id; call it "
                                                  "again on its own");
      std::string fresh;
      for (std::size_t n = i + 1; fresh.empty() || seen.contains(fresh); ++n) {
        fresh = "raven_" + std::to_string(out_.rounds) + "_" + std::to_string(n);
      }
      seen.insert(fresh);
      calls[i].id = std::move(fresh);
    }
    request.messages.push_back(Message::assistant(response.content, calls));

    for (std::size_t i = 0; i < calls.size(); ++i) {
      const ToolCall& call = calls[i];
      ++out_.tool_calls;
      Checked checked = check_call(call, offered_);
      std::optional<tool::Result> refusal = std::move(refusals[i]);
      if (!refusal) refusal = std::move(checked.refusal);
      if (!refusal && i >= options_.max_calls_per_round) {
        refusal =
            not_run("at most " + std::to_string(options_.max_calls_per_round) +
                    " tool calls are run per turn; call it again in your next turn if you still need it");
      }
      tool::Result result = refusal ? std::move(*refusal) : execute(call);
      log_call(call, checked.argument_names, result);
      request.messages.push_back(Message::tool(call.id, tool::tool_message(result)));
    }
  }

  tool::Result execute(const ToolCall& call) {
    ++out_.tools_run;
    if (!tools_.execute) {
      tool::Result r;
      r.status = tool::Result::Status::failed;
      r.error = "the tool did not run: Raven cannot run tools here";
      return r;
    }
    try {
      return tools_.execute(call, stop_);
    } catch (const std::exception& e) {
      log_.warn("tool executor failed", {{"tool", shown(call.name)}, {"error", e.what()}});
      tool::Result r;
      r.status = tool::Result::Status::failed;
      r.error = "the tool did not run: Raven could not start it";
      return r;
    }
  }

  void log_call(const ToolCall& call, const std::string& argument_names, const tool::Result& result) const {
    std::vector<log::Field> fields{{"tool", shown(call.name)},
                                   {"call_id", shown(call.id)},
                                   {"round", out_.rounds},
                                   {"arguments", argument_names},
                                   {"status", status_name(result.status)}};
    if (result.status == tool::Result::Status::ran) {
      if (result.exit_code) fields.emplace_back("exit", *result.exit_code);
      if (result.signal) fields.emplace_back("signal", *result.signal);
      if (result.stopped != tool::Stop::none) fields.emplace_back("stopped", tool::to_string(result.stopped));
      fields.emplace_back("duration", result.duration);
      fields.emplace_back("bytes_out", result.output_bytes);
      fields.emplace_back("truncated", result.truncated);
    } else {
      // Refusals name the tool, the argument names and the rules broken,
      // never the values (schema.hpp's violations are phrased that way).
      fields.emplace_back("error", result.error);
    }
    log_.info("tool called", std::move(fields));
    if (!result.stderr_tail.empty() && log_.enabled(log::Level::debug)) {
      log_.debug("tool stderr",
                 {{"tool", shown(call.name)}, {"call_id", shown(call.id)}, {"stderr", result.stderr_tail}});
    }
  }

  const Complete& complete_;
  const Tools& tools_;
  const ToolLoopOptions& options_;
  const log::Logger& log_;
  std::stop_token stop_;
  std::set<std::string, std::less<>> offered_;
  Conversation out_;
};

}  // namespace

Conversation converse(const Complete& complete, ChatRequest request, const Tools& tools,
                      const ToolLoopOptions& options, const log::Logger& logger, std::stop_token stop) {
  return Loop(complete, tools, options, logger, std::move(stop)).run(std::move(request));
}

Conversation converse(Client& client, ChatRequest request, const Tools& tools, const log::Logger& logger,
                      std::stop_token stop) {
  const Complete complete = [&client](const ChatRequest& r, std::stop_token s) {
    return client.complete(r, std::move(s));
  };
  ToolLoopOptions options;
  options.max_rounds = client.config().max_tool_rounds;
  return converse(complete, std::move(request), tools, options, logger, std::move(stop));
}

}  // namespace raven::llm
