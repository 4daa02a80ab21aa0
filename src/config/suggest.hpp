// "did you mean …?" for unknown keys and enum values (internal).
//
// Why: a typo in a key is a problem (unknown keys are errors so that a
// misspelt setting never silently falls back to its default); naming the
// likely intended key makes the fix obvious.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace raven::config::detail {

// Edit distance where an adjacent transposition ("hots" → "host") costs one,
// like a single insertion, deletion or substitution (optimal string alignment).
// ASCII case is ignored.
std::size_t edit_distance(std::string_view a, std::string_view b);

// `did you mean "host"?` for the candidate closest to `word`, or "" when none
// is a plausible typo: distance at most a third of the candidate's length (at
// least 1, at most 3), or one word the start of the other ("warning" → "warn",
// three letters at least). Ties go to the earlier candidate.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace raven::config::detail
