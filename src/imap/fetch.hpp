// raven::imap FETCH helpers (internal, used by fetch.cpp and unit tests).
//
// A FetchItems::Section names a body section as RFC 3501 §6.4.5 spells it:
// "TEXT", "HEADER", "1", "1.2", "1.2.TEXT", "1.2.HEADER" or "1.2.MIME"
// (letters in any case). Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "imap/etpan.hpp"

namespace raven::imap {

struct ParsedSection {
  std::string canonical;  // upper-case spelling, e.g. "1.2.TEXT"
  std::unique_ptr<mailimap_section, etpan::FreeWith<&mailimap_section_free>> section;
};

// Throws a permanent raven::Error for anything but the forms above.
ParsedSection parse_section(std::string_view text);

// The canonical spelling of a section the server sent back ("" for BODY[]).
std::string section_name(const mailimap_section* section);

// RFC 3501 date-time, "17-Jul-1996 02:44:25 -0700".
std::string format_date_time(const mailimap_date_time& dt);

}  // namespace raven::imap
