// The original message quoted below a reply ("On DATE, NAME wrote:" and
// "> " lines), in plain text and as an HTML blockquote.
//
// Why capped: the reply should not carry a whole thread back; 200 lines /
// 16 KiB by default (ReplyOptions), with a "[…]" line where it was cut.
// Everything from the original is escaped in the HTML form: the original's
// text never becomes markup.
//
// Pure; any thread.
#pragma once

#include <cstddef>
#include <string>

#include "message/request.hpp"

namespace raven::message {

struct QuotedOriginal {
  std::string plain;  // attribution line, then "> " lines; "\n" line ends
  std::string html;   // <p>attribution</p><blockquote type="cite">…</blockquote>
};

// Quotes original.text followed by original.quoted (the history the sender
// kept), at most `max_lines` lines and `max_bytes` bytes of quoted text.
QuotedOriginal quote_original(const Request& original, std::size_t max_lines, std::size_t max_bytes);

// "On <date>, <name> wrote:", "<name> wrote:", or "Original message:".
std::string attribution_line(const Request& original);

}  // namespace raven::message
