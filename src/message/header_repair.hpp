// Repairs of the raw message bytes before GMime sees them.
//
// Why: real mail breaks RFC 5322 in ways GMime does not forgive, and we
// would rather read what a person reads than give up or lose text:
//  - a UTF-8 byte-order mark before the first header (GMime makes it part of
//    the first field's name, so "From" is lost);
//  - an mbox "From " line first;
//  - lines of spaces before the first header (GMime fails on the "continuation");
//  - no header block at all, the message starts with body text (GMime
//    fails): an empty header block is put in front, the text stays the body;
//  - no blank line between the header and the body (GMime drops the body
//    lines it cannot read as fields): the blank line is inserted before the
//    first line that is neither a field nor a continuation — unless a
//    well-formed field follows within a few lines, before any blank line:
//    then it is a folded line that lost its leading white space (seen in
//    news-gateway mail), kept as a continuation;
//  - a header block larger than the limit: the fields beyond it are dropped.
// A field line is "name:" where the name is printable ASCII (SP and HTAB
// tolerated, as some senders use them, and obsolete WSP before the colon).
//
// Pure; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace raven::message {

struct RepairedMessage {
  std::string bytes;                // the repaired message (original line ends kept)
  bool header_truncated = false;    // fields beyond max_header_bytes were dropped
  bool header_missing = false;      // there was no header block at all
  bool separator_inserted = false;  // a blank line was inserted to end the header block
};

RepairedMessage repair_message(std::string_view raw, std::size_t max_header_bytes);

}  // namespace raven::message
