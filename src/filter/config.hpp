// raven::filter::Config — who may be answered, and the server-side pre-filter.
#pragma once

#include <string>
#include <vector>

#include "common/problem.hpp"

namespace raven::filter {

struct Config {
  // Exact addresses ("alice@example.com") or whole domains ("@example.org").
  // Empty: anyone may be answered (later policy rules still apply).
  std::vector<std::string> senders;
  // Optional extra SEARCH SUBJECT term (substring, server-side).
  std::string subject;

  // Rejects CR/LF/NUL (IMAP command injection), malformed entries. Never throws.
  Problems validate() const;
};

}  // namespace raven::filter
