// The enforced JSON Schema subset: what compiles, and each keyword on good
// and bad arguments.
#include "tool/schema.hpp"

#include <gtest/gtest.h>

namespace raven::tool {
namespace {

using nlohmann::json;
using Lines = std::vector<std::string>;

// The problems of compiling `schema`, as "field: message".
Lines compile_problems(const json& schema) {
  Problems problems;
  const auto compiled = Schema::compile(schema, problems);
  EXPECT_EQ(compiled.has_value(), problems.empty());
  Lines out;
  for (const auto& p : problems) out.push_back(p.field + ": " + p.message);
  return out;
}

Schema compiled(const json& schema) {
  Problems problems;
  auto s = Schema::compile(schema, problems);
  EXPECT_TRUE(problems.empty()) << problems.front().field << ": " << problems.front().message;
  return s ? *s : Schema();
}

// A schema with one property `v` of schema `property`.
Schema one(const json& property) {
  return compiled({{"type", "object"}, {"properties", {{"v", property}}}});
}

// The violations of {"v": value} as text; "" when valid.
std::string check_v(const Schema& s, const json& value) {
  return to_text(s.check({{"v", value}}));
}

// ---- compile --------------------------------------------------------------------

TEST(ToolSchemaCompile, AcceptsTheIssueExample) {
  EXPECT_EQ(compile_problems(json::parse(R"({
      "type": "object",
      "properties": {"order_id": {"type": "string", "pattern": "^[0-9]{1,10}$", "description": "the number"}},
      "required": ["order_id"],
      "additionalProperties": false})")),
            Lines{});
}

TEST(ToolSchemaCompile, TopLevelMustBeAnObjectSchema) {
  EXPECT_EQ(compile_problems(json::array()),
            Lines{"parameters: must be a JSON Schema mapping with type: object"});
  EXPECT_EQ(compile_problems({{"type", "string"}}),
            Lines{"parameters.type: must be object (the arguments are one JSON object)"});
  EXPECT_EQ(compile_problems({{"properties", json::object()}}),
            Lines{"parameters.type: must be object (the arguments are one JSON object)"});
}

TEST(ToolSchemaCompile, PropertiesMustBeSchemas) {
  EXPECT_EQ(compile_problems({{"type", "object"}, {"properties", {{"a", "string"}}}}),
            Lines{"parameters.properties.a: must be a schema (a mapping such as {type: string})"});
  EXPECT_EQ(compile_problems({{"type", "object"}, {"properties", json::array()}}),
            Lines{"parameters.properties: must be a mapping of property names to schemas"});
}

TEST(ToolSchemaCompile, UnknownKeywordsAreProblemsNotIgnored) {
  const auto lines = compile_problems(
      {{"type", "object"}, {"properties", {{"a", {{"type", "string"}, {"oneOf", json::array()}}}}}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("parameters.properties.a.oneOf: is not a keyword Raven enforces"))
      << lines[0];
  EXPECT_EQ(compile_problems(
                {{"type", "object"}, {"properties", {{"d", {{"type", "string"}, {"format", "date"}}}}}}),
            Lines{"parameters.properties.d.format: is not enforced by Raven (in JSON Schema it is only an "
                  "annotation); use pattern instead"});
  EXPECT_EQ(compile_problems({{"type", "object"}, {"$ref", "#/x"}}).size(), 1u);
}

TEST(ToolSchemaCompile, AnnotationsAreAccepted) {
  EXPECT_EQ(compile_problems({{"type", "object"},
                              {"$schema", "https://json-schema.org/draft/2020-12/schema"},
                              {"title", "t"},
                              {"description", "d"},
                              {"$comment", "c"},
                              {"properties", {{"a", {{"type", "string"}, {"examples", {"x", "y"}}}}}}}),
            Lines{});
}

TEST(ToolSchemaCompile, BadPatternIsAProblem) {
  const auto lines = compile_problems(
      {{"type", "object"}, {"properties", {{"a", {{"type", "string"}, {"pattern", "(["}}}}}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(
      lines[0].starts_with("parameters.properties.a.pattern: does not compile as an ECMAScript regular "
                           "expression"))
      << lines[0];
}

TEST(ToolSchemaCompile, KeywordValuesAreChecked) {
  const json props = {{"a", {{"type", "strin"}}},
                      {"b", {{"type", {"string", "string"}}}},
                      {"c", {{"minLength", -1}}},
                      {"d", {{"maxItems", 1.5}}},
                      {"e", {{"minimum", "1"}}},
                      {"f", {{"exclusiveMinimum", true}}},
                      {"g", {{"enum", json::array()}}},
                      {"h", {{"items", json::array({json::object()})}}},
                      {"i", {{"additionalProperties", 1}}},
                      {"j", {{"uniqueItems", "yes"}}},
                      {"k", {{"minLength", 5}, {"maxLength", 2}}},
                      {"l", {{"type", nullptr}}}};
  EXPECT_EQ(
      compile_problems({{"type", "object"}, {"properties", props}}),
      (Lines{
          "parameters.properties.a.type: must be string, integer, number, boolean, object, array or null (or "
          "a "
          "list of them)",
          "parameters.properties.b.type: must be string, integer, number, boolean, object, array or null (or "
          "a "
          "list of them), each once",
          "parameters.properties.c.minLength: must be a whole number, 0 or more",
          "parameters.properties.d.maxItems: must be a whole number, 0 or more",
          "parameters.properties.e.minimum: must be a number",
          "parameters.properties.f.exclusiveMinimum: must be a number (the boolean form of draft 4 is not "
          "supported)",
          "parameters.properties.g.enum: must be a non-empty list of values",
          "parameters.properties.h.items: must be one schema (the list form of older drafts is not "
          "supported)",
          "parameters.properties.i.additionalProperties: must be true, false or a schema",
          "parameters.properties.j.uniqueItems: must be true or false",
          "parameters.properties.k.minLength: must not be greater than maxLength",
          "parameters.properties.l.type: must be string, integer, number, boolean, object, array or null (or "
          "a "
          "list of them); quote \"null\"",
      }));
}

TEST(ToolSchemaCompile, RequiredMustNameProperties) {
  EXPECT_EQ(compile_problems(
                {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}, {"required", {"b"}}}),
            Lines{"parameters.required: names \"b\", which is not in properties"});
  EXPECT_EQ(compile_problems({{"type", "object"}, {"required", "a"}}),
            Lines{"parameters.required: must be a list of property names"});
}

TEST(ToolSchemaCompile, DefaultMustSatisfyItsSchema) {
  EXPECT_EQ(
      compile_problems({{"type", "object"},
                        {"properties", {{"n", {{"type", "integer"}, {"maximum", 5}, {"default", 9}}}}}}),
      Lines{
          "parameters.properties.n.default: does not satisfy its own schema: arguments: must be at most 5"});
}

TEST(ToolSchemaCompile, DeepNestingIsAProblem) {
  json schema = {{"type", "string"}};
  for (int i = 0; i < 40; ++i) schema = {{"type", "object"}, {"properties", {{"x", schema}}}};
  EXPECT_FALSE(compile_problems(schema).empty());
}

// ---- check ----------------------------------------------------------------------

TEST(ToolSchemaCheck, Types) {
  const std::pair<const char*, json> accepted[] = {
      {"string", "x"}, {"integer", 3},    {"integer", -3},        {"integer", 3.0},  {"number", 2.5},
      {"number", 7},   {"boolean", true}, {"object", {{"a", 1}}}, {"array", {1, 2}}, {"null", nullptr},
  };
  for (const auto& [type, value] : accepted) EXPECT_EQ(check_v(one({{"type", type}}), value), "") << type;
  EXPECT_EQ(check_v(one({{"type", "string"}}), 5), "v: must be a string");
  EXPECT_EQ(check_v(one({{"type", "integer"}}), 2.5), "v: must be an integer");
  EXPECT_EQ(check_v(one({{"type", "integer"}}), "3"), "v: must be an integer");
  EXPECT_EQ(check_v(one({{"type", "number"}}), "3"), "v: must be a number");
  EXPECT_EQ(check_v(one({{"type", "boolean"}}), "true"), "v: must be a boolean");
  EXPECT_EQ(check_v(one({{"type", "object"}}), json::array()), "v: must be an object");
  EXPECT_EQ(check_v(one({{"type", "array"}}), json::object()), "v: must be an array");
  EXPECT_EQ(check_v(one({{"type", "null"}}), 0), "v: must be null");
  EXPECT_EQ(check_v(one({{"type", {"string", "null"}}}), nullptr), "");
  EXPECT_EQ(check_v(one({{"type", {"string", "null"}}}), 1), "v: must be a string or null");
  EXPECT_EQ(to_text(one({{"type", "string"}}).check(json::array())), "arguments: must be an object");
}

TEST(ToolSchemaCheck, Required) {
  const Schema s = compiled({{"type", "object"},
                             {"properties", {{"a", {{"type", "string"}}}, {"b", {{"type", "string"}}}}},
                             {"required", {"a", "b"}}});
  EXPECT_EQ(to_text(s.check({{"a", "x"}, {"b", "y"}})), "");
  EXPECT_EQ(to_text(s.check(json::object())), "a: is required; b: is required");
}

TEST(ToolSchemaCheck, EnumAndConst) {
  EXPECT_EQ(check_v(one({{"enum", {"red", "green", 3}}}), "green"), "");
  EXPECT_EQ(check_v(one({{"enum", {"red", "green", 3}}}), 3), "");
  EXPECT_EQ(check_v(one({{"enum", {"red", "green", 3}}}), "blue"), R"(v: must be one of "red", "green", 3)");
  EXPECT_EQ(check_v(one({{"const", "only"}}), "only"), "");
  EXPECT_EQ(check_v(one({{"const", "only"}}), "other"), R"(v: must be "only")");
}

TEST(ToolSchemaCheck, PatternIsUnanchoredSearch) {
  const Schema anchored = one({{"type", "string"}, {"pattern", "^[0-9]{1,10}$"}});
  EXPECT_EQ(check_v(anchored, "12345"), "");
  EXPECT_EQ(check_v(anchored, "12345; rm -rf /"), "v: must match the pattern ^[0-9]{1,10}$");
  EXPECT_EQ(check_v(anchored, "12345678901"), "v: must match the pattern ^[0-9]{1,10}$");
  EXPECT_EQ(check_v(anchored, "123\n456"), "v: must match the pattern ^[0-9]{1,10}$");
  // JSON Schema's pattern is not anchored: "[0-9]+" matches anywhere.
  const Schema loose = one({{"type", "string"}, {"pattern", "[0-9]+"}});
  EXPECT_EQ(check_v(loose, "abc 42 def"), "");
  EXPECT_EQ(check_v(loose, "no digits"), "v: must match the pattern [0-9]+");
}

TEST(ToolSchemaCheck, LongStringsAreNotMatchedAgainstPatterns) {
  // (a+)+$ backtracks exponentially; the length cap is the guard against
  // long inputs (the author keeps patterns simple).
  const Schema s = one({{"type", "string"}, {"pattern", "^[a-z]*$"}});
  EXPECT_EQ(check_v(s, std::string(kMaxPatternInput, 'a')), "");
  EXPECT_EQ(check_v(s, std::string(kMaxPatternInput + 1, 'a')),
            "v: is too long to be checked against its pattern (at most 4096 bytes)");
  // Without a pattern no such cap (maxLength is the author's limit).
  EXPECT_EQ(check_v(one({{"type", "string"}}), std::string(100000, 'a')), "");
  // maxLength below the cap answers first.
  EXPECT_EQ(
      check_v(one({{"type", "string"}, {"maxLength", 10}, {"pattern", "^a+$"}}), std::string(5000, 'a')),
      "v: must be at most 10 characters long");
}

TEST(ToolSchemaCheck, LengthsCountCodePoints) {
  const Schema s = one({{"type", "string"}, {"minLength", 2}, {"maxLength", 3}});
  EXPECT_EQ(check_v(s, "ab"), "");
  EXPECT_EQ(check_v(s, "äöü"), "");  // 6 bytes, 3 code points
  EXPECT_EQ(check_v(s, "a"), "v: must be at least 2 characters long");
  EXPECT_EQ(check_v(s, "äöüß"), "v: must be at most 3 characters long");
  EXPECT_EQ(code_points("😀é"), 2u);
}

TEST(ToolSchemaCheck, NumericBounds) {
  const Schema s = one({{"type", "number"}, {"minimum", 1}, {"maximum", 10}});
  EXPECT_EQ(check_v(s, 1), "");
  EXPECT_EQ(check_v(s, 10), "");
  EXPECT_EQ(check_v(s, 0.5), "v: must be at least 1");
  EXPECT_EQ(check_v(s, 11), "v: must be at most 10");
  const Schema x = one({{"type", "integer"}, {"exclusiveMinimum", 0}, {"exclusiveMaximum", 2.5}});
  EXPECT_EQ(check_v(x, 1), "");
  EXPECT_EQ(check_v(x, 0), "v: must be greater than 0");
  EXPECT_EQ(check_v(x, 3), "v: must be less than 2.5");
  EXPECT_EQ(check_v(one({{"type", "integer"}, {"exclusiveMaximum", 3}}), 3), "v: must be less than 3");
  EXPECT_EQ(check_v(one({{"type", "integer"}, {"minimum", -5}}), -6), "v: must be at least -5");
}

TEST(ToolSchemaCheck, AdditionalProperties) {
  const json props = {{"a", {{"type", "string"}}}};
  const Schema closed =
      compiled({{"type", "object"}, {"properties", props}, {"additionalProperties", false}});
  EXPECT_EQ(to_text(closed.check({{"a", "x"}})), "");
  EXPECT_EQ(to_text(closed.check({{"a", "x"}, {"evil", 1}})),
            R"(arguments: has an unexpected property "evil")");
  const Schema open = compiled({{"type", "object"}, {"properties", props}});
  EXPECT_EQ(to_text(open.check({{"a", "x"}, {"other", 1}})), "");
  const Schema typed =
      compiled({{"type", "object"}, {"properties", props}, {"additionalProperties", {{"type", "integer"}}}});
  EXPECT_EQ(to_text(typed.check({{"a", "x"}, {"n", 1}})), "");
  EXPECT_EQ(to_text(typed.check({{"a", "x"}, {"n", "1"}})), R"("n": must be an integer)");
}

TEST(ToolSchemaCheck, ArraysAndNesting) {
  const Schema s = one({{"type", "array"},
                        {"minItems", 1},
                        {"maxItems", 3},
                        {"uniqueItems", true},
                        {"items",
                         {{"type", "object"},
                          {"properties", {{"sku", {{"type", "string"}, {"pattern", "^[A-Z]{3}$"}}}}},
                          {"required", {"sku"}}}}});
  EXPECT_EQ(check_v(s, json::array({{{"sku", "ABC"}}})), "");
  EXPECT_EQ(check_v(s, json::array()), "v: must have at least 1 items");
  EXPECT_EQ(check_v(s, json::array({1, 2, 3, 4})), "v: must have at most 3 items");
  EXPECT_EQ(check_v(s, json::array({{{"sku", "ABC"}}, {{"sku", "abc"}}})),
            "v[1].sku: must match the pattern ^[A-Z]{3}$");
  EXPECT_EQ(check_v(s, json::array({{{"sku", "ABC"}}, {{"sku", "ABC"}}})),
            "v: must not contain the same item twice");
  EXPECT_EQ(check_v(s, json::array({json::object()})), "v[0].sku: is required");
}

TEST(ToolSchemaCheck, ViolationsAreCapped) {
  const Schema s = one({{"type", "array"}, {"items", {{"type", "string"}}}});
  EXPECT_EQ(s.check({{"v", std::vector<int>(100, 1)}}).size(), kMaxViolations);
}

TEST(ToolSchemaCheck, ModelChosenNamesAreQuotedSafely) {
  const Schema closed = compiled({{"type", "object"}, {"additionalProperties", false}});
  const auto text = to_text(closed.check({{std::string(200, 'k') + "\n", 1}}));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_LT(text.size(), 120u);
}

TEST(ToolSchema, PropertyQueries) {
  const Schema s = compiled({{"type", "object"},
                             {"properties",
                              {{"id", {{"type", "string"}}},
                               {"n", {{"type", "integer"}, {"default", 5}}},
                               {"color", {{"enum", {"red", "blue"}}}},
                               {"tags", {{"type", "array"}}},
                               {"any", json::object()}}},
                             {"required", {"id"}}});
  EXPECT_TRUE(s.requires_property("id"));
  EXPECT_FALSE(s.requires_property("n"));
  EXPECT_EQ(s.default_of("n"), json(5));
  EXPECT_FALSE(s.default_of("id").has_value());
  EXPECT_TRUE(s.scalar_only("id"));
  EXPECT_TRUE(s.scalar_only("color"));
  EXPECT_FALSE(s.scalar_only("tags"));
  EXPECT_FALSE(s.scalar_only("any"));
  EXPECT_FALSE(s.scalar_only("missing"));
  EXPECT_EQ(s.property_names(), (Lines{"any", "color", "id", "n", "tags"}));
}

}  // namespace
}  // namespace raven::tool
