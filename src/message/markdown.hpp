// Markdown (the model's answer) → HTML for the text/html part of the reply.
//
// Why cmark: CommonMark is what models write, and cmark 0.30 is safe by
// default: raw HTML in the input is replaced by "<!-- raw HTML omitted -->"
// and javascript:/vbscript:/file:/data: link targets are removed. We pass
// CMARK_OPT_SAFE as well (a no-op in 0.30, the safe mode in older releases)
// and never CMARK_OPT_UNSAFE, so nothing the model writes becomes markup
// other than what Markdown itself produces.
//
// Pure; any thread (cmark keeps no global state).
#pragma once

#include <string>
#include <string_view>

namespace raven::message {

// `markdown` must be UTF-8 (invalid sequences are replaced).
std::string markdown_to_html(std::string_view markdown);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace raven::message
