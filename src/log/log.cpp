#include "log/log.hpp"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace raven::log {
namespace {

class StderrSink final : public Sink {
 public:
  void write_line(std::string_view line) override {
    // One write per line (stderr is unbuffered: fwrite + fputc were two).
    std::string out;
    out.reserve(line.size() + 1);
    out.append(line).push_back('\n');
    std::lock_guard lock(m_);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
  }

 private:
  std::mutex m_;
};

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// A text value is quoted when it is empty or holds spaces, quotes, '=' or
// control characters; control characters are escaped so one event stays on one
// line whatever a server sent.
void append_text_value(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

std::shared_ptr<Sink> stderr_sink() {
  static auto sink = std::make_shared<StderrSink>();
  return sink;
}

std::string Field::format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 != 0 || ms == 0) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

Logger::Logger(Config config, std::shared_ptr<Sink> sink) : config_(config), sink_(std::move(sink)) {}

Logger Logger::with(std::vector<Field> fields) const {
  Logger copy = *this;
  for (auto& f : fields) copy.context_.push_back(std::move(f));
  return copy;
}

void Logger::write(Level level, std::string_view msg, std::vector<Field> fields) const {
  if (!enabled(level)) return;
  sink_->write_line(format(level, msg, fields, utc_timestamp()));
}

std::string Logger::format(Level level, std::string_view msg, const std::vector<Field>& fields,
                           std::string_view timestamp) const {
  if (config_.format == Format::json) {
    nlohmann::ordered_json j;
    j["ts"] = timestamp;
    j["level"] = to_string(level);
    j["msg"] = msg;
    auto put = [&](const Field& f) {
      if (f.quoted_in_json) {
        j[f.key] = f.value;
      } else {
        j[f.key] = nlohmann::ordered_json::parse(f.value, nullptr, false);
      }
    };
    for (const auto& f : context_) put(f);
    for (const auto& f : fields) put(f);
    // Server text may be invalid UTF-8: replace, never throw (DESIGN.md pitfall).
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
  std::string out;
  out.reserve(96);
  out += "ts=";
  out += timestamp;
  out += " level=";
  out += to_string(level);
  out += " msg=";
  append_text_value(out, msg);
  for (const auto* list : {&context_, &fields}) {
    for (const auto& f : *list) {
      out += ' ';
      out += f.key;
      out += '=';
      append_text_value(out, f.value);
    }
  }
  return out;
}

}  // namespace raven::log
