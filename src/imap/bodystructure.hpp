// raven::imap BODYSTRUCTURE conversion — libetpan's mailimap_body → BodyPart.
//
// Section numbers follow RFC 3501 §6.4.5: the root of the message has section
// "" (its text is "1" when it is not multipart); the children of a multipart
// are "1", "2", …, nested "1.1"; a message/rfc822 part "3" has one child, its
// encapsulated body: "3.1" when that is a single part, or, when it is a
// multipart, "3.TEXT" whose children are "3.1", "3.2", ….
// Names (type, subtype, parameter names, encoding, disposition) are lower-cased.
// Pure function; any thread.
#pragma once

#include "imap/etpan.hpp"
#include "imap/session.hpp"

namespace raven::imap {

BodyPart to_body_part(const mailimap_body& body);

}  // namespace raven::imap
