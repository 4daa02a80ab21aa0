// GMime's parsed MIME tree seen as an IMAP BODYSTRUCTURE (imap::BodyPart).
//
// Why: parse_message() (a whole message: `raven check`, the corpus tests)
// must choose the text part exactly as the live IMAP path does, so it runs
// choose_text_part() on this conversion and then reads the chosen part's
// still-encoded bytes, as the worker would fetch them. Sections follow RFC
// 3501 §6.4.5 the way imap/bodystructure.hpp numbers them.
//
// Internal to the module. The GMimeObject pointers are borrowed from the
// message the tree was built from; the thread that owns it uses them.
#pragma once

#include <gmime/gmime.h>

#include <cstddef>
#include <map>
#include <string>

#include "imap/session.hpp"

namespace raven::message::detail {

struct MimeTree {
  imap::BodyPart root;
  std::map<std::string, GMimeObject*> parts;  // section → leaf part (the root single part as "1")
};

// `mime_part` is g_mime_message_get_mime_part(); may be null (then the root
// is an empty text/plain part with no bytes).
MimeTree build_mime_tree(GMimeObject* mime_part, std::size_t max_depth);

// The still transfer-encoded content bytes of a leaf part, at most `max`.
std::string encoded_content(GMimeObject* part, std::size_t max);

}  // namespace raven::message::detail
