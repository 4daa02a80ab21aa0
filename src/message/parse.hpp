// raven::message parsing — a fetched message becomes a Request.
//
// Two entry points, one behaviour:
//  - parse_fetched(): what the answer worker has after its FETCH — the raw
//    header block (BODY.PEEK[HEADER]), the BODYSTRUCTURE tree, and the bytes of
//    the one text part choose_text_part() named (BODY.PEEK[section]<0.N>,
//    possibly cut short). The worker's sequence:
//      1. UID FETCH … (BODYSTRUCTURE BODY.PEEK[HEADER])
//      2. PartChoice c = choose_text_part(*fetched.bodystructure, limits);
//      3. if c.text: UID FETCH … BODY.PEEK[c.text->section]<0.c.text->fetch_bytes>
//      4. Request r = parse_fetched(fetched, limits);   (sections filled by 3)
//  - parse_message(): a whole RFC 5322 message (`raven check`, tests). GMime
//    parses all of it; the text part is chosen by the same function on
//    GMime's tree and read only up to the same fetch_bytes, so the result is
//    what the live path would produce.
//
// Never throws for anything in the mail (only std::bad_alloc): a message
// that cannot be read yields a Request with empty text, reason_kind and a
// reason sentence — the caller treats that as permanent for this message.
// Malformed headers are repaired first (header_repair.hpp); every value is
// bounded by Limits.
//
// Blocking: CPU only, no I/O. Thread-safe: each call builds and frees its own
// GMime and libxml2 objects on the calling thread. Calls init() itself.
#pragma once

#include <optional>
#include <string_view>

#include "imap/session.hpp"
#include "message/limits.hpp"
#include "message/request.hpp"
#include "message/text_part.hpp"

namespace raven::message {

// `header`: the raw header block (CRLF or LF). `bodystructure`: the tree, or
// nullptr (then the header's Content-Type describes a single part).
// `section_bytes`: the fetched bytes of choose_text_part(...).text->section,
// or nullopt if they were not fetched. Borrows all arguments for the call.
Request parse_fetched(std::string_view header, const imap::BodyPart* bodystructure,
                      std::optional<std::string_view> section_bytes, const Limits& limits = {});

// The same, taking the section's bytes from fetched.sections (keyed by the
// section string choose_text_part() returned).
Request parse_fetched(const imap::FetchedMessage& fetched, const Limits& limits = {});

// A whole message, as bytes (CRLF or LF line ends).
Request parse_message(std::string_view rfc822, const Limits& limits = {});

}  // namespace raven::message
