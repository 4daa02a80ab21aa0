// Report: the problems found while loading one config (internal).
//
// Why: every problem is reported at once (DESIGN.md, "Configuration"), so
// readers record and carry on instead of throwing. The report also remembers
// which paths already have a problem: when a value could not be read, the
// owning module's validate() sees the default in its place and would
// complain about that too; those second-hand problems are dropped.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace raven::config::detail {

class Report {
 public:
  struct Target {
    std::string path;
    int line = 0;
  };

  void add(std::string path, int line, std::string message, std::string hint = {}) {
    covered_.insert(path);
    problems_.push_back({std::move(path), line, std::move(message), std::move(hint)});
  }
  // Marks `path` as dealt with without adding a problem (for example
  // imap.password when password_command failed).
  void cover(std::string path) { covered_.insert(std::move(path)); }
  // Whether `path` or a value containing it ("tools[1]" for
  // "tools[1].name") was dealt with.
  bool covers(std::string_view path) const {
    for (;;) {
      if (covered_.find(path) != covered_.end()) return true;
      const auto cut = path.find_last_of(".[");
      if (cut == std::string_view::npos || cut == 0) return false;
      path = path.substr(0, cut);
    }
  }

  // Problems that a module reports for `from` are shown at `to` instead
  // (imap.password → imap.password_file, the key the user actually wrote).
  void redirect(std::string from, std::string to, int line) {
    redirects_.insert_or_assign(std::move(from), Target{std::move(to), line});
  }
  // Where problems for `path` go, or nullptr if they stay.
  const Target* redirected(std::string_view path) const {
    auto it = redirects_.find(path);
    return it != redirects_.end() ? &it->second : nullptr;
  }

  bool empty() const noexcept { return problems_.empty(); }
  std::size_t size() const noexcept { return problems_.size(); }
  std::vector<Located> take() { return std::move(problems_); }

 private:
  std::vector<Located> problems_;
  std::set<std::string, std::less<>> covered_;
  std::map<std::string, Target, std::less<>> redirects_;
};

}  // namespace raven::config::detail
