#include "imap/arguments.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"

namespace raven::imap {
namespace {

[[noreturn]] void reject(const std::string& message) { throw Error(ErrorKind::permanent, "imap: " + message); }

struct SystemFlag {
  std::string_view name;  // lower-case, without the backslash
  mailimap_flag* (*make)();
};

constexpr SystemFlag kSystemFlags[] = {
    {"seen", mailimap_flag_new_seen},         {"answered", mailimap_flag_new_answered},
    {"flagged", mailimap_flag_new_flagged},   {"deleted", mailimap_flag_new_deleted},
    {"draft", mailimap_flag_new_draft},
};

mailimap_flag* make_flag(const std::string& flag) {
  if (flag.front() == '\\') {
    const std::string lower = ascii_lower(std::string_view(flag).substr(1));
    for (const SystemFlag& f : kSystemFlags) {
      if (lower == f.name) return etpan::checked(f.make());
    }
    return etpan::checked(mailimap_flag_new_flag_extension(etpan::dup(std::string_view(flag).substr(1))));
  }
  return etpan::checked(mailimap_flag_new_flag_keyword(etpan::dup(flag)));
}

}  // namespace

void check_text(std::string_view what, std::string_view value) {
  if (has_line_break_or_nul(value)) reject(std::string(what) + " must not contain CR, LF or NUL");
}

bool is_atom(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;  // CTL, SP, 8-bit
    if (std::string_view("(){%*\"\\]").find(c) != std::string_view::npos) return false;
  }
  return true;
}

void check_flag(std::string_view flag) {
  check_text("flag", flag);
  const bool system = !flag.empty() && flag.front() == '\\';
  const std::string_view name = system ? flag.substr(1) : flag;
  if (!is_atom(name)) {
    reject("flag \"" + std::string(flag) + "\" is not a system flag or a keyword atom (RFC 3501 §9)");
  }
  if (system && ascii_lower(name) == "recent") reject("flag \\Recent cannot be set (RFC 3501 §2.3.2)");
}

etpan::FlagListPtr make_flag_list(const std::vector<std::string>& flags) {
  for (const std::string& f : flags) check_flag(f);
  if (flags.empty()) return nullptr;
  etpan::FlagListPtr list(etpan::checked(mailimap_flag_list_new_empty()));
  for (const std::string& f : flags) {
    etpan::FlagPtr flag(make_flag(f));
    if (mailimap_flag_list_add(list.get(), flag.get()) != MAILIMAP_NO_ERROR) throw std::bad_alloc();
    flag.release();  // owned by the list
  }
  return list;
}

etpan::SetPtr make_uid_set(const std::vector<Uid>& uids) {
  if (uids.empty()) reject("empty UID set");
  std::vector<Uid> sorted(uids);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (sorted.front() == 0) reject("UID 0 is not valid (RFC 3501 §2.3.1.1)");
  etpan::SetPtr set(etpan::checked(mailimap_set_new_empty()));
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    const int r = i == j ? mailimap_set_add_single(set.get(), sorted[i])
                         : mailimap_set_add_interval(set.get(), sorted[i], sorted[j]);
    if (r != MAILIMAP_NO_ERROR) throw std::bad_alloc();
    i = j + 1;
  }
  return set;
}

bool has_8bit(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace raven::imap
