// UTF-8 helpers for text that comes from mail: repair, cut, and make safe for
// a header field.
//
// Why: mail text is often invalid UTF-8 (DESIGN.md pitfall: nlohmann-json
// throws on it), and any value that reaches a header of the reply must not
// carry CR or LF (header injection). Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace raven::message {

// Copy of `s` in which every invalid UTF-8 sequence (bad lead byte, missing
// continuation, overlong form, surrogate, > U+10FFFF) is replaced by U+FFFD
// and NUL bytes are dropped.
std::string sanitize_utf8(std::string_view s);

// True if `s` is valid UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

// Longest prefix of valid UTF-8 `s` that has at most `max` bytes and does not
// end inside a character.
std::string_view truncate_utf8(std::string_view s, std::size_t max) noexcept;

// CRLF and lone CR become LF.
std::string normalize_newlines(std::string_view s);

// For header values: valid UTF-8 with every control character (C0 including
// CR, LF and TAB, DEL, C1) and Unicode line/paragraph separators replaced by
// a space, runs of spaces collapsed, ends trimmed, then cut to `max` bytes.
std::string header_safe(std::string_view s, std::size_t max = 998);

}  // namespace raven::message
