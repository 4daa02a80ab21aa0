// One secret from one of three keys: the value itself, a file, or a command
// (imap.password / password_file / password_command, smtp's the same,
// llm.api_key / api_key_file / api_key_command). At most one of them; exactly
// one when the secret is required.
//
// Problems go to the key that supplied the secret (imap.password_command:
// exited with status 1 …), and so do the module's validate() problems with
// the secret it produced. When no secret came out, the value key (imap.password)
// is marked as dealt with so that validate() does not add "password is
// required". No message here ever contains the secret.
//
// With LoadOptions::resolve_secrets false nothing is read or run: the secret
// stays empty and only "set more than one of the keys" is a problem.
#include <array>

#include "config/secrets.hpp"
#include "config/sections.hpp"

namespace raven::config::detail {
namespace {

std::optional<std::vector<std::string>> command_argv(MapReader& yaml, std::string_view key,
                                                     const YAML::Node& node) {
  const std::string path = yaml.path_of(key);
  const int line = yaml.line_of(key);
  if (node.IsSequence()) {
    if (node.size() == 0) {
      yaml.context().report.add(path, line, "must not be empty");
      return std::nullopt;
    }
    std::vector<std::string> argv;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node element = node[i];
      const int element_line = element.IsNull() ? 0 : line_of(element);
      auto arg =
          yaml.scalar(element, path + "[" + std::to_string(i) + "]", element_line > 0 ? element_line : line);
      if (arg)
        argv.push_back(std::move(*arg));
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return argv;
  }
  auto command =
      yaml.scalar(node, path, line, "must be a list (program and arguments) or a string (run by /bin/sh -c)");
  if (!command) return std::nullopt;
  if (command->empty()) {
    yaml.context().report.add(path, line, "must not be empty");
    return std::nullopt;
  }
  return shell_argv(*command);
}

}  // namespace

void read_secret(MapReader& yaml, const SecretKeys& keys, Need need, std::string& out) {
  Context& ctx = yaml.context();
  const std::string value_path = yaml.path_of(keys.value);
  const std::array<std::string_view, 3> sources{keys.value, keys.file, keys.command};

  std::vector<std::string_view> given;
  for (auto key : sources) {
    if (yaml.has(key)) given.push_back(key);
  }
  if (given.size() > 1) {
    for (std::size_t i = 1; i < given.size(); ++i) {
      ctx.report.add(yaml.path_of(given[i]), yaml.line_of(given[i]),
                     "cannot be combined with " + std::string(given[0]),
                     "set only one of " + std::string(keys.value) + ", " + std::string(keys.file) + ", " +
                         std::string(keys.command));
    }
    ctx.report.cover(value_path);
    return;
  }
  if (!ctx.options.resolve_secrets) {
    // Not even the value key: its ${ENV} may be set only for the daemon.
    // Covering the path keeps validate()'s "password must be set" quiet too.
    ctx.report.cover(value_path);
    return;
  }
  if (given.empty()) {
    if (need == Need::required) {
      ctx.report.add(value_path, yaml.line(), "must be set",
                     "or use " + std::string(keys.file) + " or " + std::string(keys.command));
    }
    return;
  }

  const std::string_view source = given.front();
  if (source == keys.value) {
    yaml.get(keys.value, out);  // a bad value is reported at the key itself
    return;
  }
  // The module's own checks on the secret ("must not contain CR, LF or
  // NUL") are about what this key produced: report them there.
  ctx.report.redirect(value_path, yaml.path_of(source), yaml.line_of(source));

  SecretResult result;
  if (source == keys.file) {
    std::string file;
    if (!yaml.get_path(keys.file, file)) {
      ctx.report.cover(value_path);
      return;
    }
    result = read_secret_file(file);
  } else {
    auto argv = command_argv(yaml, keys.command, *yaml.raw(keys.command));
    if (!argv) {
      ctx.report.cover(value_path);
      return;
    }
    result = run_secret_command(*argv, ctx.options.command_timeout, ctx.base_dir);
  }
  if (!result.secret) {
    ctx.report.add(yaml.path_of(source), yaml.line_of(source), result.error);
    ctx.report.cover(value_path);
    return;
  }
  out = std::move(*result.secret);
}

}  // namespace raven::config::detail
