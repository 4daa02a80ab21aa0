#include "tool/registry.hpp"

#include "common/error.hpp"

namespace raven::tool {
namespace {

Result refused(std::string why) {
  Result r;
  r.status = Result::Status::refused;
  r.error = "the tool did not run: " + std::move(why);
  return r;
}

// A model-chosen name quoted back: bounded and printable.
std::string shown(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f || c == '"' || c == '\\' ? '?' : c;
  }
  return "\"" + out + (name.size() > 64 ? "…\"" : "\"");
}

}  // namespace

Registry::Registry(const Config& tools) {
  const Problems problems = validate(tools);
  if (!problems.empty()) {
    std::string text = "tools:";
    for (const auto& p : problems) text += " " + p.field + ": " + p.message + ";";
    text.pop_back();
    throw Error(ErrorKind::fatal, text);
  }
  tools_.reserve(tools.size());
  for (const auto& spec : tools) tools_.emplace_back(spec);
}

const Tool* Registry::find(std::string_view name) const {
  for (const auto& t : tools_) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::vector<const Tool*> Registry::allowed_for(std::string_view sender) const {
  std::vector<const Tool*> out;
  for (const auto& t : tools_) {
    if (t.offered_to(sender)) out.push_back(&t);
  }
  return out;
}

Result Registry::call(std::string_view name, std::string_view arguments, const Context& context,
                      std::stop_token stop, const RunOptions& options) const {
  const Tool* tool = find(name);
  if (tool == nullptr || !tool->offered_to(context.sender))
    return refused("there is no tool named " + shown(name));
  if (arguments.size() > kMaxArgumentsText) return refused("the arguments are too long");
  nlohmann::json parsed = nlohmann::json::object();
  // Some models send "" for a tool without parameters.
  if (arguments.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    parsed = nlohmann::json::parse(arguments, nullptr, false);
    if (parsed.is_discarded()) return refused("the arguments are not valid JSON");
  }
  return run(*tool, parsed, context, std::move(stop), options);
}

}  // namespace raven::tool
