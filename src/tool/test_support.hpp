// Helpers shared by the tool module's tests: a temporary directory, a valid
// Spec to vary, and the problems of validate() as text.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_support.hpp"
#include "tool/config.hpp"

namespace raven::tool::testing {

// A temporary directory named raven-tool-XXXXXX (common/test_support.hpp).
class TempDir : public raven::test::TempDir {
 public:
  TempDir() : raven::test::TempDir("raven-tool") {}
};

// A valid tool running `command`, with one required string parameter `x`.
inline Spec spec_running(std::vector<std::string> command) {
  Spec s;
  s.name = "test_tool";
  s.description = "A tool for tests.";
  s.command = std::move(command);
  s.parameters = {{"type", "object"},
                  {"properties", {{"x", {{"type", "string"}}}}},
                  {"required", {"x"}},
                  {"additionalProperties", false}};
  return s;
}

// Problems as "field: message".
inline std::vector<std::string> lines(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.field + ": " + p.message);
  return out;
}

}  // namespace raven::tool::testing
