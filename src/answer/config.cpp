#include "answer/config.hpp"

#include "common/text.hpp"

namespace raven::answer {
namespace {

// An IMAP keyword is an atom (RFC 3501 §9: flag-keyword = atom).
bool is_atom(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' ||
        c == '\\' || c == ']')
      return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(Mode mode) noexcept { return mode == Mode::send ? "send" : "draft"; }

std::string_view to_string(OnUncertain on_uncertain) noexcept {
  return on_uncertain == OnUncertain::skip ? "skip" : "resend";
}

Problems Config::validate() const {
  Problems out;
  if (workers < 1 || workers > 64) out.push_back({"workers", "must be 1-64"});
  if (queue < 1 || queue > 100000) out.push_back({"queue", "must be 1-100000"});
  if (from.empty()) out.push_back({"from", "must be set, e.g. \"Raven <raven@example.com>\""});
  for (auto [field, value] : {std::pair<const char*, const std::string*>{"from", &from},
                              {"sent_mailbox", &sent_mailbox},
                              {"drafts_mailbox", &drafts_mailbox}}) {
    if (has_line_break_or_nul(*value)) out.push_back({field, "must not contain CR, LF or NUL"});
  }
  if (mode == Mode::draft && drafts_mailbox.empty()) out.push_back({"drafts_mailbox", "is required in draft mode"});
  if (max_text < 1024 || max_text > 16 * 1024 * 1024) out.push_back({"max_text", "must be 1KiB-16MiB"});
  if (retry_initial.count() <= 0) out.push_back({"retry_initial", "must be a positive duration like 1m"});
  if (retry_max < retry_initial) out.push_back({"retry_max", "must not be less than retry_initial"});
  if (max_attempts < 1) out.push_back({"max_attempts", "must be at least 1"});
  if (!is_atom(failed_keyword)) out.push_back({"failed_keyword", "must be an IMAP keyword (an atom, e.g. $RavenFailed)"});
  if (!is_atom(skipped_keyword)) out.push_back({"skipped_keyword", "must be an IMAP keyword (an atom, e.g. $RavenSkipped)"});
  if (shutdown_timeout.count() <= 0) out.push_back({"shutdown_timeout", "must be a positive duration like 30s"});
  return out;
}

}  // namespace raven::answer
