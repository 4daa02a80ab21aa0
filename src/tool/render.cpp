#include "tool/render.hpp"

#include <cstring>

namespace raven::tool {

nlohmann::json openai_tools(const std::vector<const Tool*>& tools) {
  nlohmann::json out = nlohmann::json::array();
  for (const Tool* t : tools) {
    out.push_back({{"type", "function"},
                   {"function",
                    {{"name", t->name()},
                     {"description", t->spec().description},
                     {"parameters", t->spec().parameters}}}});
  }
  return out;
}

std::string tool_message(const Result& result) {
  if (result.status != Result::Status::ran) return "error: " + result.error;
  std::string out;
  if (result.exit_code) {
    out = "exit status " + std::to_string(*result.exit_code);
  } else if (result.signal) {
    out = "killed by signal " + std::to_string(*result.signal);
    if (const char* name = ::sigabbrev_np(*result.signal)) out += " (SIG" + std::string(name) + ")";
  } else {
    out = "exit status unknown";
  }
  switch (result.stopped) {
    case Stop::none: break;
    case Stop::timeout: out += "\nstopped by Raven: it did not finish within its time limit"; break;
    case Stop::output_limit: out += "\nstopped by Raven: it printed far more than its output limit"; break;
    case Stop::cancelled: out += "\nstopped by Raven: Raven is shutting down"; break;
  }
  if (result.truncated) {
    out += "\noutput truncated: showing the first " + std::to_string(result.output.size()) + " of " +
           std::to_string(result.output_bytes) + " bytes";
    if (result.stopped == Stop::output_limit) out += " or more";
  }
  out += "\n\n";
  out += result.output.empty() ? "(no output)" : result.output;
  return out;
}

}  // namespace raven::tool
