// raven::message::Limits — the bounds on everything this module reads from a
// message (DESIGN.md "Style": limits on everything that reads from outside).
//
// A message that exceeds a limit is never rejected for it: the excess is cut
// off, and the Request says so (Request::truncated, header_truncated).
#pragma once

#include <cstddef>
#include <cstdint>

namespace raven::message {

struct Limits {
  // UTF-8 bytes of body text kept (new text + quoted history together). The
  // answer.max_text setting; what reaches the model.
  std::size_t max_text_bytes = std::size_t{64} * 1024;
  // Bytes of HTML (after charset conversion) given to the HTML parser when a
  // message has no text/plain part. HTML is far more verbose than its text.
  std::size_t max_html_bytes = std::size_t{1024} * 1024;
  // The largest N ever requested in BODY.PEEK[section]<0.N>, whatever the
  // encoding overhead the budgets above imply (quoted-printable HTML could
  // otherwise ask for 3 MiB).
  std::size_t max_fetch_bytes = std::size_t{2} * 1024 * 1024;
  // Bytes of the raw header block parsed; fields beyond are dropped (RFC 5322
  // sets no limit; 256 KiB is far beyond any real mail, and GMime parses a
  // 135 KB To: header of the corpus without trouble).
  std::size_t max_header_bytes = std::size_t{256} * 1024;
  // Header fields kept in Request::headers.
  std::size_t max_header_fields = 1000;
  // Addresses kept per address list (From, Reply-To, To, Cc).
  std::size_t max_addresses = 100;
  // Message-IDs kept from References (the first and the newest ones).
  std::size_t max_references = 50;
  // Attachments listed.
  std::size_t max_attachments = 100;
  // MIME nesting walked; deeper parts are ignored (a hostile message must not
  // exhaust the stack).
  std::size_t max_depth = 32;
  // Whole messages given to parse_message() (raven check, tests): bytes
  // beyond are not parsed. The IMAP path never fetches whole messages.
  std::size_t max_message_bytes = std::size_t{64} * 1024 * 1024;
};

}  // namespace raven::message
