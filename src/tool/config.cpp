#include "tool/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "filter/config.hpp"
#include "tool/argv.hpp"
#include "tool/program.hpp"
#include "tool/schema.hpp"

namespace raven::tool {
namespace {

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_command(const Spec& spec, const std::optional<Schema>& schema, Problems& out) {
  if (spec.command.empty()) {
    out.push_back({"command", "must be set: the program and its arguments, as a list"});
    return;
  }
  for (std::size_t i = 0; i < spec.command.size(); ++i) {
    const std::string field = "command[" + std::to_string(i) + "]";
    const std::string& text = spec.command[i];
    if (text.find('\0') != std::string::npos) {
      out.push_back({field, "must not contain NUL"});
      continue;
    }
    std::string error;
    const auto element = parse_element(text, &error);
    if (!element) {
      out.push_back({field, error});
      continue;
    }
    const auto names = placeholders(*element);
    if (i == 0) {
      if (!names.empty()) {
        out.push_back({field, "the program cannot be a placeholder"});
        continue;
      }
      const auto path = spec.env.find("PATH");
      if (!detail::resolve_program(text, path != spec.env.end() ? path->second : kDefaultPath, &error))
        out.push_back({field, error});
      continue;
    }
    for (const auto& name : names) {
      const std::string shown = "{" + name + "}";
      if (!schema) {
        // Its problems are reported; a misspelt name can still be caught in
        // the properties as written.
        const auto& p = spec.parameters;
        const auto properties = p.is_object() ? p.find("properties") : p.end();
        if (properties != p.end() && properties->is_object() && !properties->contains(name))
          out.push_back({field, shown + " names no parameter"});
        continue;
      }
      if (schema->property(name) == nullptr) {
        const auto known = schema->property_names();
        out.push_back({field, shown + " names no parameter" +
                                  (known.empty() ? std::string(" (the tool has none)")
                                                 : " (parameters: " + join(known) + ")")});
      } else if (!schema->scalar_only(name)) {
        out.push_back({field, shown + " needs a parameter whose type is string, integer, number or boolean "
                                      "(objects and arrays go to the tool with stdin: json)"});
      } else if (!schema->requires_property(name) && !schema->default_of(name)) {
        // An absent argument could only drop the element or pass "", and
        // either changes the command line in a way the author did not write.
        out.push_back({field, shown + " names a parameter that is neither required nor has a default; "
                                      "add it to required, or give it a default"});
      }
    }
  }
}

void check_working_dir(const std::string& dir, Problems& out) {
  if (dir.empty()) return;
  if (dir.front() != '/') {
    out.push_back({"working_dir", "must be an absolute path"});
    return;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    out.push_back({"working_dir", dir + " does not exist"});
  } else if (!S_ISDIR(st.st_mode)) {
    out.push_back({"working_dir", dir + " is not a directory"});
  } else if (::access(dir.c_str(), X_OK) != 0) {
    out.push_back({"working_dir", dir + " cannot be entered (no search permission)"});
  }
}

}  // namespace

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

nlohmann::json Spec::default_parameters() {
  return {{"type", "object"}, {"properties", nlohmann::json::object()}, {"additionalProperties", false}};
}

Problems Spec::validate() const {
  Problems out;
  if (name.empty())
    out.push_back({"name", "must be set"});
  else if (!valid_name(name))
    out.push_back({"name", "must be 1-64 letters, digits, _ or - (the function name the model sees)"});
  if (description.empty())
    out.push_back({"description", "must be set: the model reads it to decide when to call the tool"});
  else if (description.find('\0') != std::string::npos)
    out.push_back({"description", "must not contain NUL"});

  Problems schema_problems;
  const auto schema = Schema::compile(parameters, schema_problems, "parameters");
  out.insert(out.end(), schema_problems.begin(), schema_problems.end());
  check_command(*this, schema, out);

  if (timeout.count() <= 0 || timeout > kMaxTimeout) out.push_back({"timeout", "must be 1ms-10m"});
  if (max_output == 0 || max_output > kMaxOutputLimit) out.push_back({"max_output", "must be 1B-16MiB"});
  check_working_dir(working_dir, out);

  for (const auto& [key, value] : env) {
    const std::string field = "env." + key;
    if (!valid_env_name(key))
      out.push_back(
          {field, "is not a valid variable name (letters, digits and _, not starting with a digit)"});
    else if (key == kSenderVar || key == kMessageIdVar || key == kSubjectVar)
      out.push_back({field, "is set by Raven for each message and cannot be configured"});
    if (value.find('\0') != std::string::npos) out.push_back({field, "must not contain NUL"});
  }

  if (sandbox == Sandbox::bwrap && ::access(std::string(kBwrapPath).c_str(), X_OK) != 0)
    out.push_back({"sandbox", "bwrap needs " + std::string(kBwrapPath) + " (Debian package bubblewrap)"});
  if (network && sandbox != Sandbox::bwrap)
    out.push_back(
        {"network", "applies only with sandbox: bwrap (without a sandbox the tool has the network)"});

  filter::Config senders;
  senders.senders = allow_senders;
  for (auto& p : senders.validate()) {
    if (p.field.starts_with("senders")) out.push_back({"allow_" + p.field, std::move(p.message)});
  }
  return out;
}

Problems validate(const Config& tools) {
  Problems out;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const std::string prefix = "[" + std::to_string(i) + "]";
    for (auto& p : tools[i].validate())
      out.push_back({prefix + (p.field.empty() ? "" : "." + p.field), std::move(p.message)});
    for (std::size_t j = 0; j < i; ++j) {
      if (!tools[i].name.empty() && tools[j].name == tools[i].name) {
        out.push_back({prefix + ".name",
                       "\"" + tools[i].name + "\" is already the name of tools[" + std::to_string(j) + "]"});
        break;
      }
    }
  }
  return out;
}

}  // namespace raven::tool
