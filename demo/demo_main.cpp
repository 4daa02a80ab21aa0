// raven-demo — Raven end to end on one machine, with real servers.
//
// Starts a private Dovecot, the aiosmtpd sink and the LLM stand-in on free
// loopback ports (or uses a real OpenAI-compatible endpoint when
// OPENAI_BASE_URL is set, with OPENAI_API_KEY and OPENAI_MODEL), writes a
// raven.yaml for them, runs the real `raven run -c raven.yaml`, sends Raven a
// question from a test user, and shows the reply it sent and the flags on the
// original. Then it stops everything it started, by pid.
//
// Usage: raven-demo PATH-TO-raven [--keep]   (--keep: leave the files in the temp dir)
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "fixture/dovecot.hpp"
#include "fixture/process.hpp"
#include "imap/session.hpp"
#include "llm_standin.hpp"
#include "smtp_sink.hpp"

namespace {

using namespace std::chrono_literals;
namespace t = raven::testing;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

void say(const std::string& s) { std::cout << "== " << s << std::endl; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: raven-demo PATH-TO-raven\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const std::string raven = argv[1];
  try {
    say("starting a private Dovecot, an SMTP sink and the LLM stand-in on loopback");
    t::Dovecot dovecot;
    t::SmtpSink sink;
    std::optional<t::LlmStandin> standin;
    // OPENAI_BASE_URL picks any OpenAI-compatible server (Ollama, llama.cpp,
    // vLLM); OPENAI_API_KEY alone means OpenAI itself; neither: the stand-in.
    std::string base_url = env_or("OPENAI_BASE_URL", "");
    if (base_url.empty() && std::getenv("OPENAI_API_KEY") != nullptr) base_url = "https://api.openai.com/v1";
    std::string model = env_or("OPENAI_MODEL", "gpt-4o-mini");
    if (base_url.empty()) {
      standin.emplace(t::LlmStandinOptions{
          .script = nlohmann::json::array(
              {{{"content",
                 "Hello Alice,\n\nwe are open **Monday to Saturday, 9:00-18:00**; on Sundays we are closed.\n\n"
                 "Kind regards,\nRaven"}}})});
      base_url = standin->base_url();
      model = "standin";
    } else {
      say("using the LLM at " + base_url);
    }

    const std::string config_path = dovecot.dir() + "/raven.yaml";
    {
      std::ofstream y(config_path);
      y << "imap:\n"
        << "  host: 127.0.0.1\n"
        << "  port: " << dovecot.imaps_port() << "\n"
        << "  tls: implicit\n"
        << "  ca_file: " << dovecot.ca_file() << "\n"
        << "  username: " << dovecot.user() << "\n"
        << "  password: ${RAVEN_DEMO_IMAP_PASSWORD}\n"
        << "intake:\n  mode: idle\n"
        << "filter:\n  senders: [\"@example.com\"]\n"
        << "log:\n  level: info\n"
        << "answer:\n  workers: 2\n  from: \"Raven Desk <" << dovecot.user() << ">\"\n  mode: send\n"
        << "llm:\n  base_url: " << base_url << "\n  model: " << model << "\n"
        << (std::getenv("OPENAI_API_KEY") ? "  api_key: ${OPENAI_API_KEY}\n" : "")
        << "  system_prompt: \"You answer email for the Example shop. Be brief and friendly.\"\n"
        << "smtp:\n  host: 127.0.0.1\n  port: " << sink.port() << "\n  tls: none\n"
        << "  envelope_from: " << dovecot.user() << "\n"
        << "state:\n  path: journal.db  # next to this file\n";
    }
    say("config written to " + config_path + ":");
    std::cout << read_file(config_path);

    auto env = std::vector<std::string>{"RAVEN_DEMO_IMAP_PASSWORD=" + dovecot.password(),
                                        "PATH=" + env_or("PATH", "/usr/bin:/bin")};
    if (const char* key = std::getenv("OPENAI_API_KEY")) env.push_back(std::string("OPENAI_API_KEY=") + key);
    const std::string log_path = dovecot.dir() + "/raven.log";
    say("starting: raven run -c " + config_path);
    t::Process daemon(t::SpawnOptions{.argv = {raven, "run", "-c", config_path},
                                      .env = env,
                                      .stdout_path = log_path,
                                      .stderr_path = log_path});
    std::this_thread::sleep_for(1s);

    say("alice@example.com asks a question");
    dovecot.deliver(
        "From: Alice Example <alice@example.com>\r\nTo: " + dovecot.user() +
        "\r\nSubject: Opening hours\r\nMessage-ID: <demo-question@example.com>\r\n"
        "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello, when are you open on Sundays?\r\n");

    // A real model on a CPU (a local Ollama) may take minutes; the stand-in
    // answers at once.
    const auto reply_wait = standin ? std::chrono::seconds(60) : std::chrono::seconds(300);
    bool replied = sink.wait_for(1, reply_wait);
    // The flags are set right after the reply is accepted: wait for them.
    const auto flags_on_original = [&] {
      auto session = raven::imap::Session::connect(dovecot.imap_config());
      session.select("INBOX");
      raven::imap::FetchItems items;
      items.flags = true;
      auto fetched = session.uid_fetch({1}, items);
      std::string flags;
      for (const auto& f : fetched.at(0).flags) flags += f + " ";
      return flags;
    };
    std::string flags;
    for (int i = 0; replied && i < 100; ++i) {
      flags = flags_on_original();
      if (flags.find("\\Answered") != std::string::npos) break;
      std::this_thread::sleep_for(100ms);
    }
    const int status = daemon.terminate(10s);
    say("raven's log:");
    std::cout << read_file(log_path);
    if (!replied) {
      say("no reply arrived within " + std::to_string(reply_wait.count()) + " s");
      return 1;
    }
    say("the reply the SMTP sink received:");
    std::cout << sink.messages().front().raw << "\n";
    say("flags on the original: " + flags);
    auto session = raven::imap::Session::connect(dovecot.imap_config());
    say("copies in Sent: " + std::to_string(session.select("Sent").exists));
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      say("raven did not stop cleanly (wait status " + std::to_string(status) + ")");
      return 1;
    }
    say("done; stopping the servers");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "raven-demo: " << e.what() << "\n";
    return 1;
  }
}
