#include "tool/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <regex>
#include <string_view>

namespace raven::tool {
namespace detail {

enum TypeBit : unsigned {
  kString = 1U << 0U,
  kInteger = 1U << 1U,
  kNumber = 1U << 2U,
  kBoolean = 1U << 3U,
  kObject = 1U << 4U,
  kArray = 1U << 5U,
  kNull = 1U << 6U,
};

struct Bound {
  double value = 0;
  nlohmann::json as_written;  // for messages: 10, not 10.000000
};

struct Property {
  std::string name;
  std::unique_ptr<Node> schema;
};

struct Node {
  unsigned types = 0;  // 0: any type
  std::optional<nlohmann::json> enum_values;
  std::optional<nlohmann::json> const_value;
  std::vector<Property> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;
  std::unique_ptr<Node> additional;  // schema for properties not in `properties`
  std::unique_ptr<Node> items;
  std::optional<std::uint64_t> min_items, max_items, min_length, max_length;
  bool unique_items = false;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  std::optional<Bound> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<nlohmann::json> default_value;

  const Node* property(std::string_view name) const {
    for (const auto& p : properties) {
      if (p.name == name) return p.schema.get();
    }
    return nullptr;
  }
};

}  // namespace detail

namespace {

using detail::Bound;
using detail::Node;
using nlohmann::json;

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxShown = 64;  // bytes of a model-chosen name quoted back

constexpr std::pair<std::string_view, unsigned> kTypes[] = {
    {"string", detail::kString},   {"integer", detail::kInteger}, {"number", detail::kNumber},
    {"boolean", detail::kBoolean}, {"object", detail::kObject},   {"array", detail::kArray},
    {"null", detail::kNull},
};

constexpr std::string_view kKeywords =
    "type, enum, const, properties, required, additionalProperties, items, minItems, maxItems, "
    "uniqueItems, pattern, minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum";

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A name the model chose, safe to quote back: JSON-quoted, bounded.
std::string shown(std::string_view name) {
  std::string cut(name.substr(0, kMaxShown));
  std::string out = dump(json(cut));
  if (name.size() > kMaxShown) out += "…";
  return out;
}

bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;  // also unsigned
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

unsigned type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return detail::kString;
    case json::value_t::boolean: return detail::kBoolean;
    case json::value_t::object: return detail::kObject;
    case json::value_t::array: return detail::kArray;
    case json::value_t::null: return detail::kNull;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return detail::kInteger | detail::kNumber;
    case json::value_t::number_float:
      return is_integral(v) ? detail::kInteger | detail::kNumber : detail::kNumber;
    default: return 0;
  }
}

std::string type_names(unsigned types) {
  std::vector<std::string> names;
  for (const auto& [name, bit] : kTypes) {
    if ((types & bit) == 0) continue;
    if (name == "null")
      names.emplace_back("null");
    else
      names.push_back((name == "integer" || name == "array" || name == "object" ? "an " : "a ") +
                      std::string(name));
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string join_values(const json& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += dump(v);
    if (out.size() > 300) {
      out += ", …";
      break;
    }
  }
  return out;
}

// ---- compile -------------------------------------------------------------------

class Compiler {
 public:
  explicit Compiler(Problems& problems) : problems_(problems) {}

  std::unique_ptr<Node> node(const json& j, const std::string& field, int depth) {
    if (!j.is_object()) {
      add(field, "must be a schema (a mapping such as {type: string})");
      return nullptr;
    }
    if (depth > kMaxDepth) {
      add(field, "is nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)");
      return nullptr;
    }
    const std::size_t before = problems_.size();
    auto n = std::make_unique<Node>();
    for (const auto& [key, value] : j.items()) {
      const std::string at = field + "." + key;
      if (key == "type") {
        type(*n, value, at);
      } else if (key == "enum") {
        if (!value.is_array() || value.empty())
          add(at, "must be a non-empty list of values");
        else
          n->enum_values = value;
      } else if (key == "const") {
        n->const_value = value;
      } else if (key == "properties") {
        properties(*n, value, at, depth);
      } else if (key == "required") {
        required(*n, value, at);
      } else if (key == "additionalProperties") {
        if (value.is_boolean()) {
          n->additional_allowed = value.get<bool>();
        } else if (value.is_object()) {
          n->additional = node(value, at, depth + 1);
        } else {
          add(at, "must be true, false or a schema");
        }
      } else if (key == "items") {
        if (value.is_object())
          n->items = node(value, at, depth + 1);
        else
          add(at, "must be one schema (the list form of older drafts is not supported)");
      } else if (key == "minItems") {
        count(value, at, n->min_items);
      } else if (key == "maxItems") {
        count(value, at, n->max_items);
      } else if (key == "minLength") {
        count(value, at, n->min_length);
      } else if (key == "maxLength") {
        count(value, at, n->max_length);
      } else if (key == "uniqueItems") {
        if (value.is_boolean())
          n->unique_items = value.get<bool>();
        else
          add(at, "must be true or false");
      } else if (key == "pattern") {
        pattern(*n, value, at);
      } else if (key == "minimum") {
        bound(value, at, n->minimum);
      } else if (key == "maximum") {
        bound(value, at, n->maximum);
      } else if (key == "exclusiveMinimum") {
        bound(value, at, n->exclusive_minimum);
      } else if (key == "exclusiveMaximum") {
        bound(value, at, n->exclusive_maximum);
      } else if (key == "default") {
        n->default_value = value;
      } else if (key == "title" || key == "description" || key == "$comment") {
        if (!value.is_string()) add(at, "must be a string");
      } else if (key == "examples") {
        if (!value.is_array()) add(at, "must be a list");
      } else if (key == "$schema") {
        if (!value.is_string()) add(at, "must be a string");
      } else if (key == "format") {
        add(at, "is not enforced by Raven (in JSON Schema it is only an annotation); use pattern instead");
      } else {
        add(at, "is not a keyword Raven enforces, so it would silently not be checked; supported: " +
                    std::string(kKeywords));
      }
    }
    if (n->additional && !n->additional_allowed) n->additional.reset();
    // Against the properties as written: one that failed to compile is reported already.
    const auto declared = j.find("properties");
    for (const auto& name : n->required) {
      if (declared != j.end() && declared->is_object() && !declared->contains(name))
        add(field + ".required", "names \"" + name + "\", which is not in properties");
    }
    if (n->min_length && n->max_length && *n->min_length > *n->max_length)
      add(field + ".minLength", "must not be greater than maxLength");
    if (n->min_items && n->max_items && *n->min_items > *n->max_items)
      add(field + ".minItems", "must not be greater than maxItems");
    if (problems_.size() != before) return nullptr;
    if (n->default_value) {
      const auto violations = check(*n, *n->default_value);
      if (!violations.empty())
        add(field + ".default", "does not satisfy its own schema: " + to_text(violations));
    }
    return n;
  }

  static std::vector<Violation> check(const Node& n, const json& value);

 private:
  void add(const std::string& field, std::string message) {
    problems_.push_back({field, std::move(message)});
  }

  void type(Node& n, const json& value, const std::string& at) {
    const auto bit = [](const json& v) -> unsigned {
      if (!v.is_string()) return 0;
      for (const auto& [name, b] : kTypes) {
        if (v.get_ref<const std::string&>() == name) return b;
      }
      return 0;
    };
    const std::string expected =
        "must be string, integer, number, boolean, object, array or null (or a list of them)";
    if (value.is_string()) {
      n.types = bit(value);
      if (n.types == 0) add(at, expected);
      return;
    }
    if (!value.is_array() || value.empty()) {
      // YAML reads a bare `null` as no value at all.
      add(at, value.is_null() ? expected + "; quote \"null\"" : expected);
      return;
    }
    for (const auto& v : value) {
      const unsigned b = bit(v);
      if (b == 0 || (n.types & b) != 0) {
        add(at, expected + ", each once");
        n.types = 0;
        return;
      }
      n.types |= b;
    }
  }

  void properties(Node& n, const json& value, const std::string& at, int depth) {
    if (!value.is_object()) {
      add(at, "must be a mapping of property names to schemas");
      return;
    }
    for (const auto& [name, schema] : value.items()) {
      const std::string field = at + "." + name;
      if (!schema.is_object()) {
        add(field, "must be a schema (a mapping such as {type: string})");
        continue;
      }
      auto child = node(schema, field, depth + 1);
      if (child) n.properties.push_back({name, std::move(child)});
    }
  }

  void required(Node& n, const json& value, const std::string& at) {
    if (!value.is_array()) {
      add(at, "must be a list of property names");
      return;
    }
    for (const auto& v : value) {
      if (!v.is_string()) {
        add(at, "must be a list of property names");
        return;
      }
      const auto& name = v.get_ref<const std::string&>();
      if (std::find(n.required.begin(), n.required.end(), name) != n.required.end()) {
        add(at, "names \"" + name + "\" twice");
        return;
      }
      n.required.push_back(name);
    }
  }

  void count(const json& value, const std::string& at, std::optional<std::uint64_t>& out) {
    if (value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
      out = value.get<std::uint64_t>();
      return;
    }
    add(at, "must be a whole number, 0 or more");
  }

  void bound(const json& value, const std::string& at, std::optional<Bound>& out) {
    if (!value.is_number()) {
      // Draft 4's boolean exclusiveMinimum is a common leftover.
      add(at, value.is_boolean() ? "must be a number (the boolean form of draft 4 is not supported)"
                                 : "must be a number");
      return;
    }
    out = Bound{value.get<double>(), value};
  }

  void pattern(Node& n, const json& value, const std::string& at) {
    if (!value.is_string()) {
      add(at, "must be a string (a regular expression)");
      return;
    }
    n.pattern_text = value.get<std::string>();
    try {
      n.pattern.emplace(n.pattern_text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      add(at, std::string("does not compile as an ECMAScript regular expression: ") + e.what());
    }
  }

  Problems& problems_;
};

// ---- check ---------------------------------------------------------------------

class Checker {
 public:
  explicit Checker(std::vector<Violation>& out) : out_(out) {}

  void node(const Node& n, const json& v, const std::string& path) {
    if (full()) return;
    if (n.types != 0 && (type_of(v) & n.types) == 0) {
      add(path, "must be " + type_names(n.types));
      return;
    }
    if (n.const_value && !(v == *n.const_value)) {
      add(path, "must be " + dump(*n.const_value));
      return;
    }
    if (n.enum_values &&
        std::none_of(n.enum_values->begin(), n.enum_values->end(), [&](const json& e) { return e == v; })) {
      add(path, "must be one of " + join_values(*n.enum_values));
      return;
    }
    if (v.is_string()) string(n, v.get_ref<const std::string&>(), path);
    if (v.is_number()) number(n, v, path);
    if (v.is_object()) object(n, v, path);
    if (v.is_array()) array(n, v, path);
  }

 private:
  bool full() const { return out_.size() >= kMaxViolations; }
  void add(const std::string& path, std::string message) {
    if (!full()) out_.push_back({path, std::move(message)});
  }

  void string(const Node& n, const std::string& s, const std::string& path) {
    const std::size_t length = code_points(s);
    if (n.min_length && length < *n.min_length) {
      add(path, "must be at least " + std::to_string(*n.min_length) + " characters long");
      return;
    }
    if (n.max_length && length > *n.max_length) {
      add(path, "must be at most " + std::to_string(*n.max_length) + " characters long");
      return;
    }
    if (!n.pattern) return;
    if (s.size() > kMaxPatternInput) {
      add(path, "is too long to be checked against its pattern (at most " + std::to_string(kMaxPatternInput) +
                    " bytes)");
      return;
    }
    bool matches = false;
    try {
      matches = std::regex_search(s, *n.pattern);
    } catch (const std::regex_error&) {
      add(path, "could not be checked against its pattern " + n.pattern_text);
      return;
    }
    if (!matches) add(path, "must match the pattern " + n.pattern_text);
  }

  void number(const Node& n, const json& v, const std::string& path) {
    const double d = v.get<double>();
    if (n.minimum && d < n.minimum->value) add(path, "must be at least " + dump(n.minimum->as_written));
    if (n.maximum && d > n.maximum->value) add(path, "must be at most " + dump(n.maximum->as_written));
    if (n.exclusive_minimum && d <= n.exclusive_minimum->value)
      add(path, "must be greater than " + dump(n.exclusive_minimum->as_written));
    if (n.exclusive_maximum && d >= n.exclusive_maximum->value)
      add(path, "must be less than " + dump(n.exclusive_maximum->as_written));
  }

  void object(const Node& n, const json& v, const std::string& path) {
    const auto child_path = [&](const std::string& name) { return path.empty() ? name : path + "." + name; };
    for (const auto& name : n.required) {
      if (!v.contains(name)) add(child_path(name), "is required");
    }
    for (const auto& [name, value] : v.items()) {
      if (full()) return;
      if (const Node* p = n.property(name)) {
        node(*p, value, child_path(name));
      } else if (n.additional) {
        node(*n.additional, value, child_path(shown(name)));
      } else if (!n.additional_allowed) {
        add(path, "has an unexpected property " + shown(name));
      }
    }
  }

  void array(const Node& n, const json& v, const std::string& path) {
    if (n.min_items && v.size() < *n.min_items)
      add(path, "must have at least " + std::to_string(*n.min_items) + " items");
    if (n.max_items && v.size() > *n.max_items) {
      add(path, "must have at most " + std::to_string(*n.max_items) + " items");
      return;  // do not walk a huge array
    }
    if (n.unique_items) {
      std::vector<const json*> sorted;
      sorted.reserve(v.size());
      for (const auto& e : v) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) { return *a < *b; });
      for (std::size_t i = 1; i < sorted.size(); ++i) {
        if (*sorted[i - 1] == *sorted[i]) {
          add(path, "must not contain the same item twice");
          break;
        }
      }
    }
    if (!n.items) return;
    for (std::size_t i = 0; i < v.size() && !full(); ++i)
      node(*n.items, v[i], path + "[" + std::to_string(i) + "]");
  }

  std::vector<Violation>& out_;
};

std::vector<Violation> Compiler::check(const Node& n, const json& value) {
  std::vector<Violation> out;
  Checker(out).node(n, value, "");
  return out;
}

}  // namespace

std::string Violation::to_string() const {
  return (path.empty() ? std::string("arguments") : path) + ": " + message;
}

std::string to_text(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += "; ";
    out += v.to_string();
  }
  return out;
}

std::size_t code_points(std::string_view s) noexcept {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

Schema::Schema() : root_(std::make_shared<Node>()) {}

std::optional<Schema> Schema::compile(const nlohmann::json& schema, Problems& problems,
                                      const std::string& field_prefix) {
  const std::size_t before = problems.size();
  if (!schema.is_object()) {
    problems.push_back({field_prefix, "must be a JSON Schema mapping with type: object"});
    return std::nullopt;
  }
  const auto type = schema.find("type");
  if (type == schema.end() || !type->is_string() || type->get_ref<const std::string&>() != "object")
    problems.push_back({field_prefix + ".type", "must be object (the arguments are one JSON object)"});
  std::shared_ptr<const Node> root = Compiler(problems).node(schema, field_prefix, 0);
  if (problems.size() != before || !root) return std::nullopt;
  return Schema(std::move(root));
}

std::vector<Violation> Schema::check(const nlohmann::json& value) const {
  std::vector<Violation> out;
  Checker(out).node(*root_, value, "");
  return out;
}

const detail::Node* Schema::property(const std::string& name) const {
  return root_->property(name);
}

bool Schema::requires_property(const std::string& name) const {
  return std::find(root_->required.begin(), root_->required.end(), name) != root_->required.end();
}

std::optional<nlohmann::json> Schema::default_of(const std::string& name) const {
  const Node* p = property(name);
  if (p == nullptr) return std::nullopt;
  return p->default_value;
}

bool Schema::scalar_only(const std::string& name) const {
  const Node* p = property(name);
  if (p == nullptr) return false;
  const auto scalar = [](const json& v) { return !v.is_object() && !v.is_array(); };
  if (p->types != 0) return (p->types & (detail::kObject | detail::kArray)) == 0;
  if (p->const_value) return scalar(*p->const_value);
  if (p->enum_values) return std::all_of(p->enum_values->begin(), p->enum_values->end(), scalar);
  return false;
}

std::vector<std::string> Schema::property_names() const {
  std::vector<std::string> out;
  for (const auto& p : root_->properties) out.push_back(p.name);
  return out;
}

}  // namespace raven::tool
