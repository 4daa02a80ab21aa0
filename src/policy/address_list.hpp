// The addr-specs of a raw address-list header value (To, Cc, Bcc,
// Resent-To/Cc/Bcc, X-Loop), for the "is this message addressed to us?" and
// X-Loop rules.
//
// Why not Request::to/cc: the Request caps each list and carries no Bcc or
// Resent-* fields; policy must see every recipient field as written. Parsed
// with GMime's RFC 5322 address-list parser (display names, quoted strings,
// comments, groups, obsolete routes), the same parser message/ uses.
//
// Pure, CPU only; any thread (GMime objects are created and freed on the
// calling thread). Calls message::init().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace raven::policy::detail {

// Every mailbox address in `value`, group members included, as written
// ("local@domain", no angle brackets), at most `max` of them. Entries GMime
// cannot make a mailbox of are dropped; a value that is a bare addr-spec
// without a display name parses too. Never throws (except std::bad_alloc).
std::vector<std::string> parse_address_list(std::string_view value, std::size_t max = 1000);

}  // namespace raven::policy::detail
