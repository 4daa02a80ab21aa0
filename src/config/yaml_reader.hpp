// MapReader: typed, located reads from one YAML mapping (internal).
//
// Why: yaml-cpp's Node::as<T>() throws on the first bad value and knows
// nothing of our paths, unknown keys or ${ENV}. A MapReader wraps one mapping
// (a section, or the root) and offers one getter per value type. A getter
//  - declares its key as known (finish() reports every other key as unknown,
//    with a did-you-mean suggestion);
//  - interpolates ${ENV} in the scalar text before converting it;
//  - on a missing or null value leaves the target untouched (the module's
//    default stays) and returns false;
//  - on a bad value records a located problem in the Report, leaves the
//    target untouched and returns false; it never throws.
// Duplicate keys and non-string keys are reported when the reader is built
// (yaml-cpp accepts both silently).
//
// Adding a setting is one getter call in the section's read function; adding
// a value type is one getter here.
//
// Not thread-safe; used by the loading thread only. A MapReader refers to its
// Context, which must outlive it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/report.hpp"

namespace raven::config::detail {

// What every reader shares while one file is loaded.
struct Context {
  const LoadOptions& options;
  std::string base_dir;  // absolute; relative paths in the file are resolved against it
  Report& report;
};

// 1-based line of `node`, 0 when yaml-cpp has no position for it.
int line_of(const YAML::Node& node);

class MapReader {
 public:
  // `node` is a mapping, or null (read as an empty mapping). `path` is its
  // dotted path ("imap"; "" for the root); `line` the line of its key.
  MapReader(const YAML::Node& node, std::string path, int line, Context& context);

  const std::string& path() const noexcept { return path_; }
  int line() const noexcept { return line_; }
  Context& context() const noexcept { return *context_; }

  // "imap" + "port" → "imap.port"; at the root, just the key.
  std::string path_of(std::string_view key) const;
  // Line of `key` in this mapping, or of the mapping itself when absent.
  int line_of(std::string_view key) const;
  // Line of a field path relative to this mapping ("senders[1]",
  // "tls.ca_file"): the deepest part that exists in the file; a sequence
  // element gives its own line.
  int locate(std::string_view field) const;

  // Whether `key` is present with a non-null value. Declares `key`.
  bool has(std::string_view key);
  // The raw value of `key` (null node kept), for shapes the getters do not
  // cover; nullptr when absent. Declares `key`.
  const YAML::Node* raw(std::string_view key);

  // A string (any scalar).
  bool get(std::string_view key, std::string& out);
  // A string naming a file; a relative path is resolved against base_dir.
  bool get_path(std::string_view key, std::string& out);
  // true or false.
  bool get(std::string_view key, bool& out);
  // A decimal integer in [min, max]; outside: "must be min-max".
  template <std::integral T>
  bool get(std::string_view key, T& out, long long min, long long max) {
    long long value = 0;
    if (!get_integer(key, value, min, max)) return false;
    out = static_cast<T>(value);
    return true;
  }
  // A finite decimal number ("0.7", "1", "2e-1").
  bool get(std::string_view key, double& out);
  // A positive Go duration, at least 1ms; `example` ("25m") goes in messages.
  bool get_duration(std::string_view key, std::chrono::milliseconds& out, std::string_view example);
  // A byte size (parse_byte_size: "65536", "64KiB", "1MiB"); `example` goes
  // in messages. Ranges are the module's to check.
  bool get_bytes(std::string_view key, std::size_t& out, std::string_view example);
  // One of the given names (exact match).
  template <typename E>
  bool get_choice(std::string_view key, E& out,
                  std::initializer_list<std::pair<std::string_view, E>> choices) {
    std::vector<std::string_view> names;
    for (const auto& c : choices) names.push_back(c.first);
    std::size_t index = 0;
    if (!get_choice_index(key, names, index)) return false;
    out = choices.begin()[index].second;
    return true;
  }
  // A sequence of strings (all or nothing: one bad element leaves `out` as
  // it was, so a module's "[n]" indices always match the file's).
  bool get(std::string_view key, std::vector<std::string>& out);
  // A mapping of names to strings (a tool's env:), values interpolated. All
  // or nothing, like the list getter; duplicate and non-string keys are
  // reported.
  bool get(std::string_view key, std::map<std::string, std::string>& out);
  // A nested mapping; nullopt when absent or not a mapping (then reported).
  std::optional<MapReader> map(std::string_view key);
  // A sequence of mappings (tools:): one reader per element, with path
  // "key[i]" and the element's line. Empty when absent or null; when not a
  // sequence, `not_list_message` is reported and the result is empty. An
  // element that is not a mapping is reported and its path covered, and it
  // still gets an (empty) reader, so that indices match the file.
  std::vector<MapReader> maps(std::string_view key, std::string_view not_list_message);

  // The interpolated text of a scalar `node` at `path`/`line`; nullopt (and
  // problems recorded) when it is not a scalar or interpolation fails.
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path, int line,
                                    std::string_view not_scalar_message = "must be a string");

  // Reports every key no getter declared. Call once, after the getters.
  void finish();

 private:
  struct Entry {
    std::string key;
    YAML::Node value;  // never assigned to: yaml-cpp's Node::operator= rewrites the tree
    int line = 0;
  };
  struct Text {
    std::string value;
    bool substituted = false;  // ${…} was replaced: do not quote `value` in messages
  };

  const Entry* find(std::string_view key) const;
  void declare(std::string_view key);
  void problem(std::string_view key, std::string message, std::string hint = {});
  // The interpolated scalar of `key`; nullopt when absent, null or bad.
  std::optional<Text> text(std::string_view key, std::string_view not_scalar_message);
  bool get_integer(std::string_view key, long long& out, long long min, long long max);
  bool get_choice_index(std::string_view key, const std::vector<std::string_view>& names, std::size_t& index);

  std::string path_;
  int line_ = 0;
  Context* context_;
  std::vector<Entry> entries_;
  std::vector<std::string> known_;  // declared keys, in declaration order (for suggestions)
};

}  // namespace raven::config::detail
