// raven::tool::Registry — the loaded tools, by name: what the model is
// offered for a given sender, and the one entry point for a call it makes.
//
// Why: the tool-call loop (llm) deals in names and argument text chosen by
// the model, which is steered by whoever wrote the mail. call() is where that
// meets the declared tools: an unknown name, a tool not offered to this
// sender, arguments that are not a JSON object or break the schema — each is
// refused with a sentence for the model, and nothing runs. A tool not offered
// to the sender is refused exactly like an unknown one, so its existence is
// not revealed.
//
// Built once by the service from config::Config::tools; immutable after, and
// thread-safe: answer workers share one Registry.
#pragma once

#include <cstddef>
#include <stop_token>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tool/config.hpp"
#include "tool/runner.hpp"
#include "tool/tool.hpp"

namespace raven::tool {

// Argument text longer than this is refused unparsed.
inline constexpr std::size_t kMaxArgumentsText = std::size_t{1} << 20;

class Registry {
 public:
  Registry() = default;
  // Loads every tool (resolves programs, compiles schemas). Throws
  // raven::Error (fatal) with every problem if validate(tools) reports any.
  explicit Registry(const Config& tools);

  bool empty() const noexcept { return tools_.empty(); }
  std::size_t size() const noexcept { return tools_.size(); }

  // The tool named `name`, or nullptr. Pointers stay valid for the
  // Registry's lifetime.
  const Tool* find(std::string_view name) const;
  // The tools offered for mail from `sender` (a bare, parsed address), in
  // config order.
  std::vector<const Tool*> allowed_for(std::string_view sender) const;

  // Runs the call the model made: `arguments` is its JSON text ("" means
  // {}), `context.sender` decides what is offered. Blocks like run(). Never
  // throws (bar std::bad_alloc).
  Result call(std::string_view name, std::string_view arguments, const Context& context, std::stop_token stop,
              const RunOptions& options = {}) const;

 private:
  std::vector<Tool> tools_;
};

}  // namespace raven::tool
