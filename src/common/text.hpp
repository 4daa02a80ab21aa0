// Small string checks shared by modules that pass text to protocols.
//
// DESIGN.md pitfall: libetpan sends quoted strings without escaping CR/LF, so a
// value containing "\r\n" injects an IMAP command. Every string that reaches a
// protocol is checked with has_line_break_or_nul() first.
#pragma once

#include <string>
#include <string_view>

namespace raven {

// True if `s` contains CR, LF or NUL.
bool has_line_break_or_nul(std::string_view s) noexcept;

// ASCII lower-case copy (domains, keywords; never used on local parts).
std::string ascii_lower(std::string_view s);

// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view s) noexcept;

// Text from servers and mail made safe to print on a terminal: control
// characters (C0, DEL, and C1 encoded in UTF-8, which some terminals obey)
// become '?', line breaks and tabs a space. Used by `raven status` and
// `raven check`.
std::string printable(std::string_view s);

}  // namespace raven
