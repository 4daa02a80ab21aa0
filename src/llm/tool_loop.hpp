// raven::llm::converse — one answer from the model, with rounds of tool calls.
//
// Why a loop of its own on top of Client::complete: a model that may call
// tools answers in several requests. Each response that asks for tool calls
// gets them run and their results appended (the assistant message with its
// tool_calls, then one `tool` message per call), and the model is asked
// again. The model is steered by whoever wrote the mail, so every response is
// treated as hostile input:
//  - at most Options::max_rounds rounds of calls; then one last request with
//    tool_choice "none" asks for the final text (a model that calls tools
//    forever costs max_rounds + 1 requests, no more);
//  - at most Options::max_calls_per_round calls are run per response; the
//    rest are answered "not run";
//  - a name that was not offered, arguments that are not a JSON object (or
//    longer than tool::kMaxArgumentsText), a duplicate or empty call id: the
//    call is not run, and the model gets an error result saying why. Nothing
//    the model sends makes this throw.
// Every call the model asked for gets exactly one `tool` message, as the
// OpenAI API requires.
//
// llm does not know what a tool is beyond its result: the caller offers the
// tools (the OpenAI `tools` array, tool::openai_tools) and runs a call
// through Tools::execute (the answer worker binds tool::Registry::call to the
// message being answered). So this module stays independent of message and
// answer, and the loop is unit-tested with a fake model and a fake executor.
//
// Logs (never argument values, which may carry secrets; never tool output):
// info "tool called" per call with tool, call id, argument names, status
// (ran, refused, failed), exit / signal, stopped, duration, bytes_out,
// truncated, and the refusal reason; debug "tool stderr" with the stderr
// tail; warn "tool rounds used up" when the cap is reached.
//
// Blocking: converse() blocks for every request (Client::complete's bounds)
// and every tool run (each bounded by its timeout). A stop request ends it
// with raven::Error (transient) "llm: cancelled" between steps, or sooner
// through complete() and the tool's own stop. Call from the thread that owns
// the Client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stop_token>

#include <nlohmann/json.hpp>

#include "llm/chat.hpp"
#include "llm/client.hpp"
#include "log/log.hpp"
#include "tool/runner.hpp"

namespace raven::llm {

// Calls run per response; the rest of a larger batch are answered "not run".
inline constexpr std::size_t kMaxToolCallsPerRound = 16;

// What the model may call in one conversation.
struct Tools {
  // The OpenAI `tools` array (tool::openai_tools), sent in every request.
  // Null or empty: no tools; one request without a `tools` field.
  nlohmann::json definitions;
  // Runs one call that passed the loop's checks: its name is one of
  // `definitions`, its arguments text is a JSON object. Blocks (bounded by
  // the tool's limits); should honour `stop`. Should not throw: an exception
  // becomes an error result for the model.
  std::function<tool::Result(const ToolCall& call, std::stop_token stop)> execute;

  bool empty() const noexcept { return !definitions.is_array() || definitions.empty(); }
};

struct ToolLoopOptions {
  unsigned max_rounds = 8;  // Config::max_tool_rounds; 0 = tools never offered
  std::size_t max_calls_per_round = kMaxToolCallsPerRound;
};

// The outcome of one conversation.
struct Conversation {
  ChatResponse response;         // the last response: its content is the answer
  Usage usage;                   // summed over every request
  unsigned requests = 0;         // chat requests made (each may be several HTTP attempts)
  unsigned rounds = 0;           // responses whose tool calls were answered
  std::uint64_t tool_calls = 0;  // calls the model asked for, run or not
  std::uint64_t tools_run = 0;   // calls handed to Tools::execute
  bool capped = false;           // max_rounds was reached: the last request had tool_choice "none"
};

// Sends one chat request and returns the model's response (Client::complete,
// or a fake in tests). Throws raven::Error as Client::complete does.
using Complete = std::function<ChatResponse(const ChatRequest& request, std::stop_token stop)>;

// Asks the model for one answer to `request`, running tool calls as
// described above. `request` holds the conversation so far (system prompt,
// user turn); its tools and tool_choice are set here. Throws raven::Error
// from `complete` (the conversation is abandoned) and the transient "llm:
// cancelled" on a stop request; tool failures never throw.
Conversation converse(const Complete& complete, ChatRequest request, const Tools& tools,
                      const ToolLoopOptions& options, const log::Logger& logger, std::stop_token stop);

// The same with `client` (complete()) and max_rounds from its config.
Conversation converse(Client& client, ChatRequest request, const Tools& tools, const log::Logger& logger,
                      std::stop_token stop);

}  // namespace raven::llm
