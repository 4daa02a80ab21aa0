// HTML → plain text, for mail that has no text/plain part.
//
// Why: GMime has no HTML-to-text (DESIGN.md pitfall); the model should see
// what a person sees, not markup — and not what a person does not see: text
// hidden from the reader is a classic way to smuggle instructions to an LLM.
// Uses libxml2's forgiving HTML parser (htmlReadMemory with RECOVER, NOERROR,
// NOWARNING, NONET: no network, no error output) and walks the tree without
// recursion, so deeply nested HTML cannot exhaust the stack.
//
// What is dropped: script, style, head (and title), template, noscript,
// iframe, object, embed, svg, math, canvas, select; elements with the hidden
// attribute, aria-hidden="true", or an inline style that hides them
// (display:none, visibility:hidden, opacity:0, font-size:0, mso-hide:all,
// max-height:0 with overflow:hidden); comments.
// What is kept: block elements become line breaks (paragraphs and headings a
// blank line), <br> a line break, list items "- " (ordered: "1. "), links
// their text plus " <url>" for http(s)/mailto targets that differ from the
// text, <pre> verbatim, blockquote lines prefixed "> " (so the quoted-history
// split treats them as quotes). Whitespace is collapsed as a browser would.
//
// Requires message::init(). Pure; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace raven::message {

struct HtmlText {
  std::string text;        // "\n" line ends, no trailing blank lines
  bool truncated = false;  // output reached `max_bytes` and was cut
};

// `html` must be UTF-8 (convert the charset first; a <meta charset> in the
// document is ignored). At most `max_bytes` of text are produced.
HtmlText html_to_text(std::string_view html, std::size_t max_bytes);

}  // namespace raven::message
