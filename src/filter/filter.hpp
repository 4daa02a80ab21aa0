// raven::filter::Filter — which mail is even considered, and who may be answered.
//
// Two jobs, deliberately different in strength (DESIGN.md difference 5):
//  - search_query(): the server-side pre-filter for UID SEARCH — UNSEEN, the
//    allow-list as OR-ed FROM terms, and an optional SUBJECT term. IMAP FROM is
//    a substring match on the header (`alice@example.com` also matches
//    `malice@example.com.evil`), so this only narrows what gets fetched.
//  - allows(): the real check, an exact match on a parsed address: an entry
//    `alice@example.com` matches that address only; `@example.org` matches any
//    address whose domain is exactly example.org (not evil-example.org, not
//    sub.example.org). Domains compare case-insensitively (RFC 5321 §2.4); local
//    parts do too, as every mainstream provider treats them.
//
// Immutable after construction; all members are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "filter/config.hpp"
#include "imap/session.hpp"

namespace raven::filter {

class Filter {
 public:
  // `config` must have passed validate(); invalid entries are ignored.
  explicit Filter(const Config& config);

  imap::SearchQuery search_query() const;

  // True if `address` (an addr-spec such as "alice@example.com", already parsed
  // out of its header) is on the allow-list, or if the list is empty.
  bool allows(std::string_view address) const;
  bool allows_anyone() const noexcept { return entries_.empty(); }

 private:
  struct Entry {
    std::string local;   // lower-case; empty for a whole-domain entry
    std::string domain;  // lower-case
  };
  std::vector<Entry> entries_;
  std::vector<std::string> from_terms_;
  std::string subject_;
};

}  // namespace raven::filter
