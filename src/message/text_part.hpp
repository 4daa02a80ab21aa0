// Which MIME part of a message to read as its text, from BODYSTRUCTURE alone.
//
// Why: the worker fetches only BODY.PEEK[section]<0.N> of one part, never
// whole attachments (a 20 MB attachment costs nothing). This decides the
// section, from the imap::BodyPart tree (RFC 3501 §7.4.2; section numbers per
// §6.4.5, as the imap module assigns them), and lists the other parts as
// attachments. parse_message() runs the same function on GMime's tree, so
// `raven check` chooses exactly as the live path does.
//
// Rules:
//  - text/plain is preferred, else text/html; other text/* (calendar, rtf,
//    enriched) are not the body;
//  - parts with Content-Disposition: attachment are never the body;
//  - multipart/alternative: its plain alternative, else its HTML one;
//  - multipart/mixed, related, report, signed, digest and unknown multiparts:
//    the first child, in order, that yields a body (the first part of a
//    mixed message is its body; later text parts are additions);
//  - multipart/encrypted and application/(x-)pkcs7-mime yield nothing and
//    set `encrypted`;
//  - parts inside a message/rfc822 (a forward, a bounced original) only when
//    nothing outside yields a body;
//  - nesting deeper than Limits::max_depth is not walked.
//
// Requires message::init() (attachment names are RFC 2047-decoded with
// GMime). Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imap/session.hpp"
#include "message/limits.hpp"
#include "message/request.hpp"

namespace raven::message {

struct TextPart {
  std::string section;            // for BODY.PEEK[section]<0.N>; "1" for a single-part message
  std::string subtype;            // "plain" or "html"
  std::string charset;            // as declared (may be empty)
  std::string encoding;           // Content-Transfer-Encoding, lower-case (may be empty)
  std::uint32_t size = 0;         // encoded octets per BODYSTRUCTURE
  std::uint32_t fetch_bytes = 0;  // N: enough encoded bytes for Limits' text (or HTML) budget
  bool in_forward = false;        // inside a message/rfc822
};

struct PartChoice {
  std::optional<TextPart> text;         // empty: no readable text part
  std::vector<Attachment> attachments;  // every other part worth naming, in order
  bool encrypted = false;               // an encrypted part was seen
};

PartChoice choose_text_part(const imap::BodyPart& root, const Limits& limits = {});

// An attachment's file name from a part's fields: the disposition filename or
// name parameter as the imap module found it, RFC 2231 (name*=, name*0*=, …)
// and RFC 2047 decoded, control characters removed, at most 255 bytes.
std::string attachment_name(const imap::BodyPart& part);

}  // namespace raven::message
