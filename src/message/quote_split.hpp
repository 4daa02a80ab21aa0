// Splitting what the sender wrote now from the reply history below it.
//
// Why: a reply usually carries the whole thread beneath the new text. The
// model should answer the new text and may use the history as context, so
// both are kept, but apart (Request::text and Request::quoted).
//
// The history starts at the first of:
//  - an attribution line: "On <date>, <name> wrote:" (also wrapped over two
//    lines, as Gmail does) and its German/French/Spanish/Dutch/Italian forms;
//  - Outlook's "-----Original Message-----" (and "----- Original Message -----");
//  - an Outlook header block: a "From:" line followed within a few lines by
//    "Sent:" or "Date:" and by "To:" or "Subject:" (often after a line of
//    underscores);
//  - a trailing block of "> " lines (with blank lines), when nothing but
//    such lines follows.
// Only when new text precedes it: an interleaved reply ("> question" /
// answer / "> question" / answer) is kept whole as text, because the answers
// only make sense next to the quotes. Forwarded-message markers are not
// history: a forward is the content.
//
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace raven::message {

struct SplitText {
  std::string text;    // the new text, trailing blank lines removed
  std::string quoted;  // the history, from its first line; empty if none
};

// `body` uses "\n" line ends.
SplitText split_quoted(std::string_view body);

}  // namespace raven::message
