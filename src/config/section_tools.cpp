// tools: the programs the model may call (tool::Spec), a list section: each
// element is read with its own reader ("tools[1]") and finished there. The
// tool module's validate() checks the values (names, the program, the
// schema, placeholders); this file owns the YAML: the keys, their types, and
// `parameters`, a JSON Schema written in YAML, turned into JSON.
//
// `parameters` is taken literally: no ${ENV} expansion (its regular
// expressions use `$`), and scalars are typed as YAML 1.2's core schema does
// (unquoted true/false, null, integers and decimals; anything quoted is a
// string), so `maxLength: 10` is a number and `pattern: "^[0-9]+$"` a string.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <regex>

#include "config/sections.hpp"

namespace raven::config::detail {
namespace {

constexpr int kMaxSchemaDepth = 64;

// A plain (unquoted) scalar typed per YAML 1.2's core schema.
nlohmann::json plain_scalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex decimal(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  if (std::regex_match(s, integer)) {
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(begin, end, i); ec == std::errc() && p == end) return i;
    std::uint64_t u = 0;
    if (auto [p, ec] = std::from_chars(begin, end, u); ec == std::errc() && p == end) return u;
  }
  if (std::regex_match(s, decimal)) {
    double d = 0;
    if (auto [p, ec] = std::from_chars(begin, end, d); ec == std::errc() && p == end && std::isfinite(d))
      return d;
  }
  return s;
}

// `node` as JSON; nullopt with problems recorded when it cannot be.
std::optional<nlohmann::json> to_json(const YAML::Node& node, const std::string& path, int line,
                                      Report& report, int depth) {
  if (depth > kMaxSchemaDepth) {
    report.add(path, line, "is nested too deeply");
    return std::nullopt;
  }
  const int own_line = line_of(node) > 0 ? line_of(node) : line;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar:
      // "!" is yaml-cpp's tag for a quoted scalar: a string, whatever it looks like.
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return nlohmann::json(node.Scalar());
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      bool ok = true;
      for (std::size_t i = 0; i < node.size(); ++i) {
        auto element = to_json(node[i], path + "[" + std::to_string(i) + "]", own_line, report, depth + 1);
        if (element)
          out.push_back(std::move(*element));
        else
          ok = false;
      }
      if (!ok) return std::nullopt;
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      bool ok = true;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const int key_line = line_of(it->first) > 0 ? line_of(it->first) : own_line;
        if (!it->first.IsScalar()) {
          report.add(path, key_line, "keys must be plain strings");
          ok = false;
          continue;
        }
        const std::string& key = it->first.Scalar();
        const std::string child = path + "." + key;
        if (out.contains(key)) {
          report.add(child, key_line, "duplicate key");
          ok = false;
          continue;
        }
        auto value = to_json(it->second, child, key_line, report, depth + 1);
        if (value)
          out[key] = std::move(*value);
        else
          ok = false;
      }
      if (!ok) return std::nullopt;
      return out;
    }
  }
  return std::nullopt;
}

void read_parameters(MapReader& yaml, tool::Spec& spec) {
  const YAML::Node* node = yaml.raw("parameters");
  if (node == nullptr || node->IsNull()) return;  // the default: no arguments
  const std::string path = yaml.path_of("parameters");
  Report& report = yaml.context().report;
  if (!node->IsMap()) {
    report.add(path, yaml.line_of("parameters"), "must be a mapping: a JSON Schema with type: object");
    spec.parameters = nullptr;  // the tool module then skips the checks that need a schema
    return;
  }
  auto json = to_json(*node, path, yaml.line_of("parameters"), report, 0);
  if (!json) {
    report.cover(path);
    spec.parameters = nullptr;
    return;
  }
  spec.parameters = std::move(*json);
}

void read_command(MapReader& yaml, tool::Spec& spec) {
  if (!yaml.get("command", spec.command) || spec.command.empty()) return;
  // Like get_path: a relative path is the config file's directory's. A bare
  // name (no '/') is looked up on the tool's PATH instead.
  std::string& program = spec.command.front();
  if (program.find('/') != std::string::npos && program.front() != '/')
    program = (std::filesystem::path(yaml.context().base_dir) / program).lexically_normal().string();
}

void read_tool(MapReader& yaml, tool::Spec& spec) {
  yaml.get("name", spec.name);
  yaml.get("description", spec.description);
  read_command(yaml, spec);
  read_parameters(yaml, spec);
  yaml.get_choice("stdin", spec.input, {{"none", tool::Input::none}, {"json", tool::Input::json}});
  yaml.get_duration("timeout", spec.timeout, "10s");
  yaml.get_bytes("max_output", spec.max_output, "64KiB");
  yaml.get_path("working_dir", spec.working_dir);
  yaml.get("env", spec.env);
  yaml.get_choice("sandbox", spec.sandbox, {{"none", tool::Sandbox::none}, {"bwrap", tool::Sandbox::bwrap}});
  if (bool network = false; yaml.get("network", network)) spec.network = network;
  yaml.get("allow_senders", spec.allow_senders);
}

}  // namespace

void read_tools(MapReader& root, Config& config) {
  for (MapReader& yaml : root.maps("tools", "must be a list of tools (- name: … entries)")) {
    tool::Spec& spec = config.tools.emplace_back();
    read_tool(yaml, spec);
    yaml.finish();
  }
}

}  // namespace raven::config::detail
