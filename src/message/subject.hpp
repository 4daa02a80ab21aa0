// The Subject of a reply: "Re: <original>", without stacking "Re: Re: Re:".
//
// Reply prefixes are stripped before "Re: " is added: Re, Aw (German), Sv
// (Scandinavian), Antw (Dutch), Odp (Polish), any case, with an optional
// counter ("Re[2]:", "Re(3):") and optional space before the colon ("Re :",
// French typography), any number of times. Forward prefixes (Fwd:, WG:) are
// content and stay. RFC 5322 §3.6.5 describes the convention.
//
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace raven::message {

// `subject` without its leading reply prefixes and surrounding spaces.
std::string_view strip_reply_prefixes(std::string_view subject);

// "Re: " + the stripped subject; "Re:" alone for an empty one. The result is
// header-safe (no CR/LF/control characters; see header_safe()).
std::string reply_subject(std::string_view original);

}  // namespace raven::message
