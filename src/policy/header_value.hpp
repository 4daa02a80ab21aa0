// Reading the structured header values the loop rules look at
// (Auto-Submitted, Precedence, X-Auto-Response-Suppress, Return-Path).
//
// Why a module of its own: these fields are written by every kind of mailer,
// with RFC 5322 comments ("no (manual)"), odd case and extra parameters; a
// naive string compare either answers robots or ignores people. Internal to
// policy, but pure and tested on its own.
//
// All functions are pure, never block, never throw (except std::bad_alloc) and
// may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raven::policy::detail {

// `value` with every RFC 5322 §3.2.2 comment "( … )" removed (nested comments
// and quoted-pairs included), each replaced by one space; quoted strings are
// kept as written, so "(" inside quotes is not a comment. An unterminated
// comment runs to the end. The result is trimmed.
std::string strip_comments(std::string_view value);

// The first keyword of a structured value, lower-case: comments removed, cut
// at the first ';' or whitespace. "No (manual)" -> "no";
// "auto-replied; owner-email=x@y" -> "auto-replied"; "" -> "".
std::string first_keyword(std::string_view value);

// The comma-separated tokens of a value, lower-case, comments removed, empty
// tokens dropped. "OOF, AutoReply" -> {"oof", "autoreply"}.
std::vector<std::string> keyword_list(std::string_view value);

// The envelope sender written in a Return-Path field (RFC 5321 §4.4):
// "<>" -> "" (the null sender), "<a@b>" -> "a@b", "a@b" -> "a@b"; comments
// and whitespace ignored. nullopt when the value is not a path at all (e.g.
// empty or several addresses), so the caller does not treat junk as "<>".
std::optional<std::string> return_path_address(std::string_view value);

// The local part of an addr-spec, lower-case, with surrounding quotes and a
// "+detail" suffix removed: "No-Reply+x@Example.com" -> "no-reply". An
// address without '@' (a bare "MAILER-DAEMON") is all local part.
std::string local_part(std::string_view address);

// ASCII case-insensitive equality of two addr-specs.
bool same_address(std::string_view a, std::string_view b) noexcept;

}  // namespace raven::policy::detail
