// raven::log — structured logging: one line per event, key=value or JSON.
//
// DESIGN.md, "Style": logs are structured, say what failed and what happens
// next, and never contain passwords, tokens or message bodies. A Logger is a
// small value (a shared sink, a level, a format and context fields) that is
// passed to constructors — there is no global logger. `with()` returns a copy
// carrying extra context (for example component=intake).
//
// Text (logfmt):  ts=2026-11-28T13:20:01.123Z level=info msg=connected component=intake host=mail.example.com port=993
// JSON:           {"ts":"…","level":"info","msg":"connected","component":"intake","host":"…","port":993}
//
// Thread-safe: the sink serialises whole lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace raven::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

struct Config {
  Level level = Level::info;
  Format format = Format::text;
};

// One key=value pair. Numbers stay numbers in JSON.
struct Field {
  std::string key;
  std::string value;
  bool quoted_in_json = true;  // false for numbers and booleans

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted_in_json(false) {}
  template <typename I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Field(std::string_view k, I v) : key(k), value(std::to_string(v)), quoted_in_json(false) {}
  template <typename Rep, typename Period>
  Field(std::string_view k, std::chrono::duration<Rep, Period> d)
      : key(k), value(format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d))) {}

  static std::string format_duration(std::chrono::milliseconds d);
};

// Where lines go. The default writes to stderr; tests capture lines.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write_line(std::string_view line) = 0;
};
std::shared_ptr<Sink> stderr_sink();

class Logger {
 public:
  // A logger writing to stderr with the given level and format.
  explicit Logger(Config config = {}, std::shared_ptr<Sink> sink = stderr_sink());

  // A copy that adds `fields` to every line.
  Logger with(std::vector<Field> fields) const;

  void debug(std::string_view msg, std::vector<Field> fields = {}) const { write(Level::debug, msg, std::move(fields)); }
  void info(std::string_view msg, std::vector<Field> fields = {}) const { write(Level::info, msg, std::move(fields)); }
  void warn(std::string_view msg, std::vector<Field> fields = {}) const { write(Level::warn, msg, std::move(fields)); }
  void error(std::string_view msg, std::vector<Field> fields = {}) const { write(Level::error, msg, std::move(fields)); }
  void write(Level level, std::string_view msg, std::vector<Field> fields) const;
  bool enabled(Level level) const noexcept { return level >= config_.level; }

  // Formats one line without writing it (exposed for tests).
  std::string format(Level level, std::string_view msg, const std::vector<Field>& fields,
                     std::string_view timestamp) const;

 private:
  Config config_;
  std::shared_ptr<Sink> sink_;
  std::vector<Field> context_;
};

std::string_view to_string(Level level) noexcept;

}  // namespace raven::log
