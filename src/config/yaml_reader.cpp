#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include "config/interpolate.hpp"
#include "config/suggest.hpp"

namespace raven::config::detail {
namespace {

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// Line of `field` below `node`, whose own line is `line`. Recursive rather
// than a loop so that no YAML::Node is ever reassigned.
int locate_in(const YAML::Node& node, std::string_view rest, int line) {
  if (rest.empty()) return line;
  if (rest.front() == '[') {
    const auto close = rest.find(']');
    std::size_t index = 0;
    if (close == std::string_view::npos) return line;
    const auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + close, index);
    if (ec != std::errc() || end != rest.data() + close) return line;
    if (!node.IsSequence() || index >= node.size()) return line;
    const YAML::Node element = node[index];
    const int element_line = element.IsNull() ? 0 : line_of(element);
    return locate_in(element, rest.substr(close + 1), element_line > 0 ? element_line : line);
  }
  if (rest.front() != '.' || !node.IsMap()) return line;
  rest.remove_prefix(1);
  const auto end = rest.find_first_of(".[");
  const std::string_view key = rest.substr(0, end);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      return locate_in(it->second, end == std::string_view::npos ? std::string_view() : rest.substr(end),
                       line_of(it->first));
    }
  }
  return line;
}

}  // namespace

int line_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

MapReader::MapReader(const YAML::Node& node, std::string path, int line, Context& context)
    : path_(std::move(path)), line_(line), context_(&context) {
  if (!node.IsMap()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const int key_line = detail::line_of(it->first);
    if (!it->first.IsScalar()) {
      context_->report.add(path_, key_line, "keys must be plain strings");
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (const Entry* first = find(key)) {
      // yaml-cpp keeps both and [] would silently pick the first.
      context_->report.add(path_of(key), key_line, "duplicate key",
                           "first set on line " + std::to_string(first->line));
      continue;
    }
    entries_.push_back(Entry{key, it->second, key_line});
  }
}

std::string MapReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

int MapReader::line_of(std::string_view key) const {
  const Entry* e = find(key);
  return e != nullptr ? e->line : line_;
}

int MapReader::locate(std::string_view field) const {
  const auto end = field.find_first_of(".[");
  const Entry* e = find(field.substr(0, end));
  if (e == nullptr) return line_;
  return locate_in(e->value, end == std::string_view::npos ? std::string_view() : field.substr(end), e->line);
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

void MapReader::declare(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

void MapReader::problem(std::string_view key, std::string message, std::string hint) {
  context_->report.add(path_of(key), line_of(key), std::move(message), std::move(hint));
}

bool MapReader::has(std::string_view key) {
  declare(key);
  const Entry* e = find(key);
  return e != nullptr && !e->value.IsNull();
}

const YAML::Node* MapReader::raw(std::string_view key) {
  declare(key);
  const Entry* e = find(key);
  return e != nullptr ? &e->value : nullptr;
}

std::optional<std::string> MapReader::scalar(const YAML::Node& node, const std::string& path, int line,
                                             std::string_view not_scalar_message) {
  if (!node.IsScalar()) {
    context_->report.add(path, line, std::string(not_scalar_message));
    return std::nullopt;
  }
  Interpolated result = interpolate(node.Scalar(), context_->options.env);
  if (!result.errors.empty()) {
    for (auto& error : result.errors) context_->report.add(path, line, std::move(error));
    return std::nullopt;
  }
  return std::move(result.value);
}

std::optional<MapReader::Text> MapReader::text(std::string_view key, std::string_view not_scalar_message) {
  declare(key);
  const Entry* e = find(key);
  if (e == nullptr || e->value.IsNull()) return std::nullopt;
  if (!e->value.IsScalar()) {
    problem(key, std::string(not_scalar_message));
    return std::nullopt;
  }
  Interpolated result = interpolate(e->value.Scalar(), context_->options.env);
  if (!result.errors.empty()) {
    for (auto& error : result.errors) problem(key, std::move(error));
    return std::nullopt;
  }
  return Text{std::move(result.value), result.substituted};
}

bool MapReader::get(std::string_view key, std::string& out) {
  auto t = text(key, "must be a string");
  if (!t) return false;
  out = std::move(t->value);
  return true;
}

bool MapReader::get_path(std::string_view key, std::string& out) {
  std::string value;
  if (!get(key, value)) return false;
  std::filesystem::path p(value);
  if (!value.empty() && p.is_relative())
    p = (std::filesystem::path(context_->base_dir) / p).lexically_normal();
  out = p.string();
  return true;
}

bool MapReader::get(std::string_view key, bool& out) {
  auto t = text(key, "must be true or false");
  if (!t) return false;
  if (t->value == "true" || t->value == "false") {
    out = t->value == "true";
    return true;
  }
  problem(key, "must be true or false");
  return false;
}

bool MapReader::get_integer(std::string_view key, long long& out, long long min, long long max) {
  auto t = text(key, "must be an integer");
  if (!t) return false;
  const std::string& s = t->value;
  long long value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  const std::string range = "must be " + std::to_string(min) + "-" + std::to_string(max);
  if (ec == std::errc::result_out_of_range) {
    problem(key, range);
    return false;
  }
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    problem(key, "must be an integer");
    return false;
  }
  if (value < min || value > max) {
    problem(key, range);
    return false;
  }
  out = value;
  return true;
}

bool MapReader::get_duration(std::string_view key, std::chrono::milliseconds& out, std::string_view example) {
  const std::string like = " like " + std::string(example);
  auto t = text(key, "must be a duration" + like);
  if (!t) return false;
  std::string error;
  const auto d = parse_duration(t->value, &error);
  if (!d) {
    // The parser's reason quotes the value; keep it out when ${…} supplied it.
    problem(key, "must be a duration" + like, t->substituted ? std::string() : error);
    return false;
  }
  if (d->count() <= 0) {
    problem(key, "must be a positive duration" + like);
    return false;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  if (ms.count() == 0) {
    problem(key, "must be at least 1ms");
    return false;
  }
  out = ms;
  return true;
}

bool MapReader::get(std::string_view key, double& out) {
  auto t = text(key, "must be a number");
  if (!t) return false;
  const std::string& s = t->value;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  // from_chars also takes "inf" and "nan", which no setting means.
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    problem(key, "must be a number");
    return false;
  }
  out = value;
  return true;
}

bool MapReader::get_bytes(std::string_view key, std::size_t& out, std::string_view example) {
  const std::string like = " like " + std::string(example);
  auto t = text(key, "must be a byte size" + like);
  if (!t) return false;
  std::string error;
  const auto bytes = parse_byte_size(t->value, &error);
  if (!bytes || *bytes > std::numeric_limits<std::size_t>::max()) {
    // The parser's reason quotes the value; keep it out when ${…} supplied it.
    problem(key, "must be a byte size" + like, t->substituted ? std::string() : error);
    return false;
  }
  out = static_cast<std::size_t>(*bytes);
  return true;
}

bool MapReader::get_choice_index(std::string_view key, const std::vector<std::string_view>& names,
                                 std::size_t& index) {
  const std::string message = "must be " + join(names);
  auto t = text(key, message);
  if (!t) return false;
  const auto it = std::find(names.begin(), names.end(), t->value);
  if (it == names.end()) {
    problem(key, message, did_you_mean(t->value, names));
    return false;
  }
  index = static_cast<std::size_t>(it - names.begin());
  return true;
}

bool MapReader::get(std::string_view key, std::vector<std::string>& out) {
  declare(key);
  const Entry* e = find(key);
  if (e == nullptr || e->value.IsNull()) return false;
  if (!e->value.IsSequence()) {
    problem(key, "must be a list of strings");
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node element = e->value[i];
    const int element_line = element.IsNull() ? 0 : detail::line_of(element);
    auto value = scalar(element, path_of(key) + "[" + std::to_string(i) + "]",
                        element_line > 0 ? element_line : e->line);
    if (value)
      values.push_back(std::move(*value));
    else
      ok = false;
  }
  if (!ok) {
    context_->report.cover(path_of(key));
    return false;
  }
  out = std::move(values);
  return true;
}

std::optional<MapReader> MapReader::map(std::string_view key) {
  declare(key);
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  if (!e->value.IsNull() && !e->value.IsMap()) {
    problem(key, "must be a mapping (key: value lines)");
    return std::nullopt;
  }
  return MapReader(e->value, path_of(key), e->line, *context_);
}

bool MapReader::get(std::string_view key, std::map<std::string, std::string>& out) {
  declare(key);
  const Entry* e = find(key);
  if (e == nullptr || e->value.IsNull()) return false;
  if (!e->value.IsMap()) {
    problem(key, "must be a mapping of names to strings");
    return false;
  }
  const std::size_t before = context_->report.size();
  const MapReader nested(e->value, path_of(key), e->line, *context_);  // reports duplicate keys
  std::map<std::string, std::string> values;
  bool ok = context_->report.size() == before;
  for (const auto& entry : nested.entries_) {
    auto value = scalar(entry.value, nested.path_of(entry.key), entry.line);
    if (value)
      values.insert_or_assign(entry.key, std::move(*value));
    else
      ok = false;
  }
  if (!ok) {
    context_->report.cover(path_of(key));
    return false;
  }
  out = std::move(values);
  return true;
}

std::vector<MapReader> MapReader::maps(std::string_view key, std::string_view not_list_message) {
  declare(key);
  std::vector<MapReader> out;
  const Entry* e = find(key);
  if (e == nullptr || e->value.IsNull()) return out;
  if (!e->value.IsSequence()) {
    problem(key, std::string(not_list_message));
    return out;
  }
  for (std::size_t i = 0; i < e->value.size(); ++i) {
    const YAML::Node element = e->value[i];
    const int element_line = element.IsNull() ? 0 : detail::line_of(element);
    const int line = element_line > 0 ? element_line : e->line;
    std::string path = path_of(key) + "[" + std::to_string(i) + "]";
    if (!element.IsMap()) {
      context_->report.add(path, line, "must be a mapping (key: value lines)");
      out.emplace_back(YAML::Node(), std::move(path), line, *context_);
      continue;
    }
    out.emplace_back(element, std::move(path), line, *context_);
  }
  return out;
}

void MapReader::finish() {
  for (const auto& e : entries_) {
    if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
    const std::vector<std::string_view> candidates(known_.begin(), known_.end());
    std::string hint = did_you_mean(e.key, candidates);
    // A short list (the root's seven sections, say) is worth spelling out.
    if (hint.empty() && !known_.empty() && known_.size() <= 10) hint = "expected " + join(candidates);
    context_->report.add(path_of(e.key), e.line, "unknown key", std::move(hint));
  }
}

}  // namespace raven::config::detail
