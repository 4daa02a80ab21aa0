// Flag and journal-state helpers shared by the answer worker's files.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "store/journal.hpp"

namespace raven::answer {

inline const std::vector<std::string> kAnsweredFlags{"\\Seen", "\\Answered"};

// IMAP flags compare case-insensitively (RFC 3501 §2.3.2).
inline bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) {
    return f.size() == flag.size() && std::equal(f.begin(), f.end(), flag.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  });
}

// A row whose reply went out or may have: another copy of its mail must not
// be answered.
inline bool answered_or_maybe(const store::Record& r) {
  using store::State;
  return r.state == State::sending || r.state == State::sent || r.state == State::done ||
         (r.state == State::skipped && r.reason && r.reason->starts_with(store::kUncertainReason));
}

inline std::string describe(const store::Key& key) {
  return key.mailbox + " uidvalidity " + std::to_string(key.uidvalidity) + " uid " + std::to_string(key.uid);
}

}  // namespace raven::answer
