// raven::Problem — one thing wrong with a module's settings.
//
// Each module's Config::validate() returns a list of these, naming the field
// relative to its own YAML section ("port"); the config module prefixes the
// section and adds the YAML line so that every problem reads like
// `imap.port: must be 1-65535 (line 7)`, all reported at once.
#pragma once

#include <string>
#include <vector>

namespace raven {

struct Problem {
  std::string field;    // relative key, e.g. "port" or "senders[2]"
  std::string message;  // a sentence fragment: "must be 1-65535"
};

using Problems = std::vector<Problem>;

}  // namespace raven
