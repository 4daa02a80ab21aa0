// raven::imap arguments — checks every caller-supplied value before it
// reaches libetpan, and builds libetpan's argument structures.
//
// Why: libetpan sends quoted strings without escaping CR/LF, and sends flag
// keywords verbatim, so a value containing "\r\n" would inject an IMAP command
// (DESIGN.md, "Verified pitfalls"). Every check throws a permanent
// raven::Error before anything is sent. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imap/etpan.hpp"
#include "imap/session.hpp"

namespace raven::imap {

// Throws a permanent Error ("imap: <what> must not contain CR, LF or NUL")
// if `value` contains CR, LF or NUL.
void check_text(std::string_view what, std::string_view value);

// RFC 3501 §9 atom: one or more ATOM-CHARs (printable ASCII except
// atom-specials "(){ %*\"\\]" and SP).
bool is_atom(std::string_view s) noexcept;

// A flag is a system flag ("\\Seen", any case), another "\\atom", or a keyword
// atom ("$Forwarded"). \Recent cannot be set (RFC 3501 §2.3.2). Throws a
// permanent Error otherwise.
void check_flag(std::string_view flag);

// A libetpan flag list of checked flags (null when `flags` is empty).
etpan::FlagListPtr make_flag_list(const std::vector<std::string>& flags);

// A libetpan set of UIDs, as ranges ("1:3,7"). Throws a permanent Error for
// UID 0 (not an nz-number) or an empty list.
etpan::SetPtr make_uid_set(const std::vector<Uid>& uids);

// True if any byte is outside 7-bit ASCII (the search then says CHARSET UTF-8).
bool has_8bit(std::string_view s) noexcept;

}  // namespace raven::imap
