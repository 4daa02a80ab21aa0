// raven::testing::LlmStandin — runs tests/support/llm_standin.py (a scripted
// OpenAI-compatible server) for one test, on a free loopback port.
//
// Starts `/usr/bin/python3 llm_standin.py --port 0 ...` with posix_spawn,
// reads its `listening 127.0.0.1:PORT` line, and talks to its /_control
// endpoints with short libcurl requests of its own. The script format is
// described in llm_standin.py's docstring. The destructor stops exactly the
// process it started, by pid: SIGTERM, wait, SIGKILL after 5 s.
//
// Blocking: the constructor waits (up to 10 s) for the listening line. Not
// thread-safe: one test thread drives it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace raven::testing {

struct LlmStandinOptions {
  nlohmann::json script = nlohmann::json::array();  // the start-up script
  std::string api_key{};                            // non-empty: require this bearer key
  double fail_rate = 0.0;
  double hang_rate = 0.0;
  long seed = -1;               // -1 = not given
  std::string tls_cert_file{};  // with tls_key_file: serve HTTPS (base_url() says https://localhost)
  std::string tls_key_file{};
  std::string script_path{};  // empty = the compiled-in RAVEN_LLM_STANDIN
};

class LlmStandin {
 public:
  explicit LlmStandin(const LlmStandinOptions& options = {});  // throws std::runtime_error on failure
  ~LlmStandin();
  LlmStandin(const LlmStandin&) = delete;
  LlmStandin& operator=(const LlmStandin&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT/v1" (or "https://localhost:PORT/v1" with TLS),
  // ready for llm::Config::base_url.
  std::string base_url() const;

  // Replaces the script (consumption starts again at its first entry).
  void set_script(const nlohmann::json& script);
  // The request log: one object per chat/models request (see llm_standin.py).
  nlohmann::json requests();
  // Back to the start-up script; clears the request log.
  void reset();

  // SIGTERM, then SIGKILL after 5 s; idempotent. Returns the exit status as
  // waitpid reports it, or -1 if already stopped.
  int stop();

 private:
  std::string control(const std::string& method, const std::string& path, const std::string& body);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  std::string script_file_;  // temp file holding the start-up script
};

}  // namespace raven::testing
