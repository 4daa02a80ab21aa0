#include "tool/tool.hpp"

#include "common/error.hpp"
#include "tool/program.hpp"

namespace raven::tool {
namespace {

filter::Config senders_of(const Spec& spec) {
  filter::Config c;
  c.senders = spec.allow_senders;
  return c;
}

// Iterative, so that a hostile nesting cannot exhaust the stack here.
bool deeper_than(const nlohmann::json& value, int limit) {
  std::vector<std::pair<const nlohmann::json*, int>> stack{{&value, 0}};
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > limit) return true;
    if (!node->is_structured()) continue;
    for (const auto& child : *node) stack.emplace_back(&child, depth + 1);
  }
  return false;
}

}  // namespace

Tool::Tool(Spec spec) : spec_(std::move(spec)), senders_(senders_of(spec_)) {
  Problems problems = spec_.validate();
  if (!problems.empty()) {
    std::string text = "tool " + (spec_.name.empty() ? std::string("(unnamed)") : spec_.name) + ":";
    for (const auto& p : problems) text += " " + p.field + ": " + p.message + ";";
    text.pop_back();
    throw Error(ErrorKind::fatal, text);
  }
  const auto path = spec_.env.find("PATH");
  program_ =
      *detail::resolve_program(spec_.command[0], path != spec_.env.end() ? path->second : kDefaultPath);
  schema_ = *Schema::compile(spec_.parameters, problems);
  for (std::size_t i = 1; i < spec_.command.size(); ++i)
    elements_.push_back(*parse_element(spec_.command[i]));
}

bool Tool::offered_to(std::string_view sender) const {
  return senders_.allows(sender);
}

std::variant<Invocation, std::string> Tool::prepare(const nlohmann::json& arguments) const {
  const std::string refused = "the tool did not run: ";
  if (!arguments.is_object()) return refused + "the arguments must be a JSON object";
  if (deeper_than(arguments, kMaxArgumentDepth))
    return refused + "the arguments are nested more than " + std::to_string(kMaxArgumentDepth) +
           " levels deep";
  const auto violations = schema_.check(arguments);
  if (!violations.empty()) return refused + "invalid arguments: " + to_text(violations);

  nlohmann::json effective = arguments;
  for (const auto& name : schema_.property_names()) {
    if (effective.contains(name)) continue;
    if (auto value = schema_.default_of(name)) effective[name] = std::move(*value);
  }

  Invocation out;
  out.argv.push_back(spec_.command[0]);
  for (const auto& element : elements_) {
    std::string error;
    auto text = substitute(element, effective, &error);
    if (!text) return refused + "invalid arguments: " + error;
    out.argv.push_back(std::move(*text));
  }
  if (spec_.input == Input::json)
    out.input = effective.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return out;
}

}  // namespace raven::tool
