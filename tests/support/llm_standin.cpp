// LlmStandin: spawn, handshake, control requests and stop, all by pid.
#include "llm_standin.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace raven::testing {
namespace {

#ifdef RAVEN_LLM_STANDIN
constexpr const char* kDefaultScript = RAVEN_LLM_STANDIN;
#else
constexpr const char* kDefaultScript = "tests/support/llm_standin.py";
#endif

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("llm stand-in: " + what +
                           (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
}

struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string write_temp_script(const nlohmann::json& script) {
  std::string path = "/tmp/raven-llm-script-XXXXXX";
  Fd f;
  f.fd = ::mkstemp(path.data());
  if (f.fd < 0) fail("mkstemp");
  const std::string text = script.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(f.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("writing the script file");
    done += static_cast<std::size_t>(n);
  }
  return path;
}

// Reads one line from `fd` within `timeout`; "" on EOF or timeout.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (line.size() < 200) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return {};
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

LlmStandin::LlmStandin(const LlmStandinOptions& options) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  script_file_ = write_temp_script(options.script);
  const std::string script_path = options.script_path.empty() ? kDefaultScript : options.script_path;
  std::vector<std::string> args = {"/usr/bin/python3", script_path, "--port", "0", "--script", script_file_};
  if (!options.api_key.empty()) args.insert(args.end(), {"--api-key", options.api_key});
  if (options.fail_rate > 0) args.insert(args.end(), {"--fail-rate", std::to_string(options.fail_rate)});
  if (options.hang_rate > 0) args.insert(args.end(), {"--hang-rate", std::to_string(options.hang_rate)});
  if (options.seed >= 0) args.insert(args.end(), {"--seed", std::to_string(options.seed)});
  if (!options.tls_cert_file.empty()) {
    args.insert(args.end(), {"--tls-cert", options.tls_cert_file, "--tls-key", options.tls_key_file});
    tls_ = true;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) fail("pipe2");
  Fd out_read;
  Fd out_write;
  out_read.fd = pipe_fds[0];
  out_write.fd = pipe_fds[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);  // stderr stays the test's
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);        // no test sockets leak in
  errno = 0;
  // An empty signal mask and default dispositions, so a test process that
  // blocks or ignores SIGTERM (a service test, say) cannot make the stand-in
  // deaf to stop().
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    ::unlink(script_file_.c_str());
    errno = rc;
    fail("posix_spawn " + args[0]);
  }
  ::close(out_write.fd);
  out_write.fd = -1;

  const std::string line = read_line(out_read.fd, std::chrono::seconds(10));
  ::unlink(script_file_.c_str());  // read at start-up; not needed any more
  const auto colon = line.rfind(':');
  unsigned port = 0;
  if (line.starts_with("listening ") && colon != std::string::npos) {
    std::from_chars(line.data() + colon + 1, line.data() + line.size(), port);
  }
  if (port == 0 || port > 65535) {
    stop();
    errno = 0;
    fail("did not start (first line: \"" + line + "\"); see its stderr above");
  }
  port_ = static_cast<std::uint16_t>(port);
}

LlmStandin::~LlmStandin() {
  stop();
}

std::string LlmStandin::base_url() const {
  return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) + "/v1";
}

int LlmStandin::stop() {
  if (pid_ <= 0) return -1;
  const pid_t pid = pid_;
  pid_ = -1;
  int status = 0;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string LlmStandin::control(const std::string& method, const std::string& path, const std::string& body) {
  CURL* c = curl_easy_init();
  if (c == nullptr) throw std::runtime_error("llm stand-in: curl_easy_init failed");
  std::string out;
  const std::string url = (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_) + path;
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (tls_) {
    // Test plumbing on loopback; the client under test verifies properly.
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) throw std::runtime_error("llm stand-in: " + path + ": " + curl_easy_strerror(rc));
  if (status != 200)
    throw std::runtime_error("llm stand-in: " + path + ": HTTP " + std::to_string(status) + ": " + out);
  return out;
}

void LlmStandin::set_script(const nlohmann::json& script) {
  control("POST", "/_control/script", script.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json LlmStandin::requests() {
  return nlohmann::json::parse(control("GET", "/_control/requests", ""));
}

void LlmStandin::reset() {
  control("POST", "/_control/reset", "");
}

}  // namespace raven::testing
