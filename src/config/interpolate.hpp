// ${ENV} interpolation in scalar values (internal to the config module).
//
// Why: secrets need not live in the config file (DESIGN.md, "Configuration"):
// `password: ${RAVEN_IMAP_PASSWORD}`. Rules, kept deliberately small so they
// are easy to predict:
//   ${NAME}  the variable's value; NAME is [A-Za-z_][A-Za-z0-9_]*; an unset
//            variable is a problem (a set but empty one is the empty string)
//   $${      a literal "${"
//   $        anything else is literal ("$5", "a$b", "$$" stay as written)
// No defaults (${X:-y}), no nesting, and one pass only: a value that itself
// contains "${" is not expanded again.
//
// Pure; never blocks (beyond what `env` does).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace raven::config::detail {

struct Interpolated {
  std::string value;
  // One sentence fragment per problem ("environment variable X is not set").
  // They name variables, never their values.
  std::vector<std::string> errors;
  // True if at least one ${NAME} was replaced: `value` may then hold a secret
  // and must not be quoted in problem messages.
  bool substituted = false;
};

Interpolated interpolate(std::string_view text, const Environment& env);

}  // namespace raven::config::detail
