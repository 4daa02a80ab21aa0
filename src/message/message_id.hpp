// Message-IDs (RFC 5322 §3.6.4) for replies, and the References chain.
//
// Why a derived id: a later issue makes replies idempotent across crashes
// and restarts by giving the reply to a given message always the same
// Message-ID, so a second attempt is recognisable (in Sent, in the journal,
// at the recipient). derive_reply_message_id() is that function: a SHA-256
// of the original's id, truncated to 128 bits, in our domain.
//
// Pure (new_message_id and random_hex128 read the kernel's random source); any thread; requires
// message::init() only for GLib's checksum, which needs none.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "message/request.hpp"

namespace raven::message {

// The id part of a msg-id, without angle brackets, if `id` is one we are
// willing to repeat in a header: printable ASCII without spaces, brackets,
// quotes, commas or backslashes, 1–250 characters. Else "".
std::string clean_message_id(std::string_view id);

// The domain part of an addr-spec reduced to host-name characters
// (letters, digits, '.', '-'); "raven.invalid" if nothing is left.
std::string message_id_domain(std::string_view address);

// "raven-<32 hex digits>@<domain>": the same for the same original id and
// domain, different for different ones. An empty original id yields a fresh
// random id instead (nothing to derive from).
std::string derive_reply_message_id(std::string_view original_message_id, std::string_view domain);

// "raven-<32 random hex digits>@<domain>".
std::string new_message_id(std::string_view domain);

// 32 random hex digits (128 bits from getrandom(2)): unguessable tokens such
// as MIME boundaries.
std::string random_hex128();

// The References of a reply to `original` (RFC 5322 §3.6.4): its References
// (or, if it has none, its In-Reply-To), then its Message-ID; duplicates
// removed; at most `max` ids, keeping the first (the thread's root) and the
// newest. Ids without angle brackets.
std::vector<std::string> reply_references(const Request& original, std::size_t max);

}  // namespace raven::message
