// Content-Transfer-Encoding decoding (RFC 2045 §6) of a fetched text part,
// robust to the part being cut short.
//
// Why: the worker fetches only BODY.PEEK[section]<0.N>, so the bytes may stop
// in the middle of a base64 quantum or a quoted-printable "=XX" escape. The
// incomplete tail is dropped instead of decoded into garbage. Decoding itself
// is GMime's (g_mime_encoding_*), which skips junk characters in base64 and
// keeps malformed "=" escapes of quoted-printable literally.
//
// Requires message::init(). Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace raven::message {

// Decodes `raw` per `encoding` (the Content-Transfer-Encoding value, any case:
// base64, quoted-printable, x-uuencode; 7bit/8bit/binary and unknown tokens
// pass through unchanged). `cut` says the bytes are a prefix of the part, so
// an incomplete trailing quantum/escape is dropped.
std::string decode_transfer_encoding(std::string_view raw, std::string_view encoding, bool cut);

}  // namespace raven::message
