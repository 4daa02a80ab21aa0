// raven — the command line: subcommands, exit codes, signals.
//
//   raven version                      print the version
//   raven check-config -c FILE         validate a config; exit 0, or 2 listing every problem
//   raven run -c FILE                  the daemon: answer new mail until SIGINT/SIGTERM
//   raven watch -c FILE                run intake only: report the messages Raven would answer
//   raven status -c FILE [--json]      where every message stands, from the journal; connects to nothing
//   raven check -c FILE [--envelope-from ADDR] MESSAGE.eml
//                                      would Raven answer this message, and why; connects to nothing
//
// Exit codes: 0 success or clean shutdown (for check: a verdict, answer or
// skip); 1 a runtime failure (for example the server rejected our credentials
// or certificate at start-up; for check: the message file cannot be read); 2 a
// usage or configuration error.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "main/signals.hpp"
#include "main/summary.hpp"
#include "service/check.hpp"
#include "service/run.hpp"
#include "service/status.hpp"
#include "service/watch.hpp"
#include "store/journal.hpp"

namespace {

constexpr int kExitConfig = 2;

std::optional<raven::config::Config> load_or_report(const std::string& path,
                                                    const raven::config::LoadOptions& options = {}) {
  try {
    return raven::config::load_file(path, options);
  } catch (const raven::config::ConfigError& e) {
    std::cerr << path << ": " << e.problems().size() << (e.problems().size() == 1 ? " problem" : " problems")
              << "\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p.to_string() << "\n";
    return std::nullopt;
  }
}

}  // namespace

int main(int argc, char** argv) {
  raven::app::prepare_signals();

  CLI::App app{"Raven answers email with an LLM."};
  app.require_subcommand(1);
  std::string config_path;

  auto* version = app.add_subcommand("version", "Print the version and exit");
  auto* check = app.add_subcommand("check-config", "Validate a config file; list every problem");
  check->add_option("-c,--config", config_path, "Config file (YAML)")->required();
  auto* run = app.add_subcommand("run", "Answer new mail until SIGINT/SIGTERM");
  run->add_option("-c,--config", config_path, "Config file (YAML)")->required();
  auto* watch = app.add_subcommand("watch", "Run intake only and print each message Raven would answer");
  watch->add_option("-c,--config", config_path, "Config file (YAML)")->required();
  auto* status =
      app.add_subcommand("status", "Show where every message stands, from the journal; connects to nothing");
  status->add_option("-c,--config", config_path, "Config file (YAML)")->required();
  bool status_json = false;
  status->add_flag("--json", status_json, "Print one JSON object for scripts");
  auto* check_message = app.add_subcommand(
      "check", "Say whether Raven would answer a message file, and why; connects to nothing");
  check_message->add_option("-c,--config", config_path, "Config file (YAML)")->required();
  std::string envelope_from;
  auto* envelope_option =
      check_message->add_option("--envelope-from", envelope_from,
                                "The SMTP envelope sender ('' for <>); default: the message's Return-Path");
  std::string message_path;
  check_message->add_option("message", message_path, "The message file (RFC 5322, e.g. MESSAGE.eml)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }

  if (version->parsed()) {
    std::cout << "raven " << RAVEN_VERSION << "\n";
    return 0;
  }

  if (status->parsed()) {
    // Only state.path is needed: never run a password_command for it.
    raven::config::LoadOptions options;
    options.resolve_secrets = false;
    auto config = load_or_report(config_path, options);
    if (!config) return kExitConfig;
    return raven::service::status(
        *config, std::cout, std::cerr,
        status_json ? raven::service::StatusFormat::json : raven::service::StatusFormat::text,
        raven::store::system_now_ms());
  }

  if (check_message->parsed()) {
    // Policy only: never run a password_command, never connect.
    raven::config::LoadOptions options;
    options.resolve_secrets = false;
    auto config = load_or_report(config_path, options);
    if (!config) return kExitConfig;
    std::optional<std::string> envelope;
    if (envelope_option->count() > 0) envelope = envelope_from;
    return raven::service::check(*config, message_path, envelope, std::cout, std::cerr);
  }

  auto config = load_or_report(config_path);
  if (!config) return kExitConfig;

  if (check->parsed()) {
    std::cout << config_path << ": ok\n" << raven::app::summary(*config);
    return 0;
  }

  raven::log::Logger logger(config->log);
  std::stop_source stop;
  if (run->parsed()) {
    if (!config->answer || !config->llm) {
      std::cerr << config_path << ": raven run needs the answer and llm sections (see examples/raven.yaml)\n";
      return kExitConfig;
    }
    raven::app::SignalThread signals(stop);
    return raven::service::run(*config, logger, stop);
  }
  raven::app::SignalThread signals(stop);
  return raven::service::watch(*config, logger, stop.get_token(), [](raven::imap::Uid uid) {
    std::printf("uid=%u\n", uid);
    std::fflush(stdout);
  });
}
