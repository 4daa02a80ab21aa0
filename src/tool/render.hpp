// What the model sees of the tools: the `tools` array of a chat request, and
// the content of the `tool` message that carries one call's result back.
//
// Why here and not in llm: the shape of a result (exit status first, a
// truncation marker, stdout; never stderr, which may hold paths, stack traces
// or secrets and goes to the log only) is the tool module's decision; llm
// just carries the text.
//
// Pure; any thread.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tool/runner.hpp"
#include "tool/tool.hpp"

namespace raven::tool {

// The OpenAI `tools` array: [{"type":"function","function":{"name",
// "description","parameters"}}], parameters exactly as configured.
// An empty list gives an empty array (leave `tools` out of the request then).
nlohmann::json openai_tools(const std::vector<const Tool*>& tools);

// The `tool` message content for `result`:
//   ran:      "exit status 0" | "exit status 3" | "killed by signal 9 (SIGKILL)",
//             then, when Raven stopped it, "stopped by Raven: it did not
//             finish within its time limit" (or: printed too much, Raven is
//             stopping), then when truncated
//             "output truncated: showing the first 65536 of 1048576 bytes",
//             then a blank line and stdout ("(no output)" when empty).
//   refused / failed: "error: " + result.error.
std::string tool_message(const Result& result);

}  // namespace raven::tool
