// raven::tool::Schema — the JSON Schema subset that Raven enforces on a
// tool's arguments before it runs anything.
//
// Why a subset of our own: the schema is the tool's security boundary (a
// hostile email steers the model, the model writes the arguments), so every
// keyword in it must be enforced. compile() therefore rejects any keyword it
// does not enforce instead of ignoring it, as a general validator would with
// `format` or an unknown word.
//
// Enforced keywords (JSON Schema 2020-12 meaning):
//   type (string or list: string, integer, number, boolean, object, array,
//   null), enum, const, properties, required, additionalProperties (false or
//   a schema), items (one schema), minItems, maxItems, uniqueItems, pattern
//   (ECMAScript, unanchored: search semantics; anchor with ^…$), minLength,
//   maxLength (Unicode code points), minimum, maximum, exclusiveMinimum,
//   exclusiveMaximum (numbers).
// Annotations, accepted and not enforced: title, description, default,
// examples, $comment, $schema. A `default` must itself satisfy its schema.
//
// Regex guard: std::regex backtracks, so a string is matched against a
// `pattern` only if it is at most kMaxPatternInput bytes (a longer one is a
// violation). Keep patterns simple (no nested quantifiers like (a+)+).
//
// A compiled Schema is immutable; copies share it. check() is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/problem.hpp"

namespace raven::tool {

inline constexpr std::size_t kMaxPatternInput = 4096;
// check() stops after this many violations.
inline constexpr std::size_t kMaxViolations = 10;

// One reason the arguments were refused, phrased for the model.
struct Violation {
  std::string path;               // "order_id", "items[2].sku"; "" for the arguments as a whole
  std::string message;            // "must match the pattern ^[0-9]{1,10}$"
  std::string to_string() const;  // "order_id: must match …"; "arguments: …" when path is ""
};

// "order_id: must be a string; date: is required" (at most kMaxViolations).
std::string to_text(const std::vector<Violation>& violations);

namespace detail {
struct Node;
}

class Schema {
 public:
  // An empty schema that accepts anything (for a default-constructed Tool).
  Schema();

  // Compiles `schema`, a tool's `parameters`, whose top level must be
  // {"type": "object", …}. Problems name fields below `field_prefix`
  // ("parameters.properties.id.pattern"); when there are any, the result is
  // nullopt. Never throws.
  static std::optional<Schema> compile(const nlohmann::json& schema, Problems& problems,
                                       const std::string& field_prefix = "parameters");

  // Every violation of `value` (at most kMaxViolations); empty when valid.
  // Never throws.
  std::vector<Violation> check(const nlohmann::json& value) const;

  // The schema of top-level property `name`, or nullptr.
  const detail::Node* property(const std::string& name) const;
  // Whether `name` is in the top level's `required`.
  bool requires_property(const std::string& name) const;
  // The `default` of top-level property `name`, if it has one.
  std::optional<nlohmann::json> default_of(const std::string& name) const;
  // Whether the property's `type` allows only scalars (string, integer,
  // number, boolean, null): what an argv placeholder can hold. false when it
  // has no `type`.
  bool scalar_only(const std::string& name) const;
  // Top-level property names, sorted.
  std::vector<std::string> property_names() const;

 private:
  explicit Schema(std::shared_ptr<const detail::Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const detail::Node> root_;
};

// Number of Unicode code points in UTF-8 `s` (bytes that do not continue a
// sequence). Pure.
std::size_t code_points(std::string_view s) noexcept;

}  // namespace raven::tool
