// Parsing one mailbox such as answer.from ("Raven <raven@example.com>").
//
// Why here: config validates answer.from with the same parser compose_reply()
// uses, so a value that passes validation always composes.
//
// Requires message::init() (calls it). Pure; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "message/request.hpp"

namespace raven::message {

// One mailbox with an addr-spec "local@domain" (RFC 5322 §3.4), display name
// optional (RFC 2047 words decoded); nullopt for anything else: empty, a
// group, several addresses, no '@', CR/LF/NUL anywhere.
std::optional<Address> parse_address(std::string_view text);

// True if `address` is a plausible addr-spec to put in a header or RCPT TO:
// one '@' with text on both sides, no spaces, controls, brackets or commas,
// at most 254 octets (RFC 5321 §4.5.3.1.3 path limit minus the brackets).
bool is_plain_addr_spec(std::string_view address) noexcept;

}  // namespace raven::message
