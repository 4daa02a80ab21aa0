// The text pipeline for one fetched text part: transfer decoding, charset
// conversion, HTML to text, the size limit, and the quoted-history split.
//
// Internal to the module; both entry points (parse_fetched, parse_message)
// end here, so a part reads the same however it arrived.
//
// Requires message::init(). Pure; any thread.
#pragma once

#include <string>
#include <string_view>

#include "message/limits.hpp"
#include "message/request.hpp"
#include "message/text_part.hpp"

namespace raven::message::detail {

// Fills out.text, quoted, text_section, text_subtype, truncated, and the
// reason when the text is empty. `raw` is the part's transfer-encoded bytes;
// `cut` says they are only a prefix of the part.
void read_body_text(std::string_view raw, const TextPart& part, bool cut, const Limits& limits, Request& out);

}  // namespace raven::message::detail
