// raven::message::Request — one incoming message as the rest of Raven sees it:
// who sent it, what it says, which thread it belongs to, and the raw header
// fields policy needs (List-Id, Auto-Submitted, Precedence, Return-Path,
// Authentication-Results, …).
//
// Produced by parse_message() / parse_fetched() (parse.hpp); consumed by
// policy, llm (the user turn) and compose_reply() (compose.hpp). A plain value:
// copyable, no library handles inside, safe to move between threads.
//
// All strings are valid UTF-8 (invalid bytes replaced by U+FFFD). Values that
// end up in header fields of the reply (subject, names, addresses, ids)
// contain no CR, LF or NUL.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raven::message {

// One mailbox: "Alice Example <alice@example.com>".
struct Address {
  std::string name;     // display name, RFC 2047-decoded; may be empty
  std::string address;  // addr-spec "local@domain" as written (no angle brackets)

  bool empty() const noexcept { return address.empty(); }
  friend bool operator==(const Address&, const Address&) = default;
};

// A MIME part that is not the chosen text: a file, an inline image, a
// forwarded message. Never downloaded; described from BODYSTRUCTURE.
struct Attachment {
  std::string filename;      // decoded (RFC 2047 / RFC 2231); may be empty
  std::string content_type;  // lower-case "image/png"
  std::uint32_t size = 0;    // octets as transferred (base64 is ~4/3 of the file)
  std::string section;       // IMAP section number, "2", "1.3"
  bool inline_part = false;  // Content-Disposition inline, or none given (e.g. a related image)
};

// Header field names compare case-insensitively (RFC 5322 §1.2.2).
struct HeaderNameLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};
// Every header field of the message, in order per name. Values are unfolded
// (line breaks of folding removed), trimmed, not RFC 2047-decoded, with
// invalid UTF-8 replaced.
using HeaderMap = std::multimap<std::string, std::string, HeaderNameLess>;

// Why Request::text is empty. Code branches on this, never on `reason`.
enum class NoTextReason {
  none,          // text is not empty
  no_text_part,  // no text/plain or text/html part (only attachments, images, …)
  encrypted,     // the content is encrypted (multipart/encrypted, S/MIME enveloped)
  empty_text,    // the text part is empty or only whitespace
  not_fetched,   // parse_fetched(): the chosen section's bytes were not supplied
  unparseable,   // GMime could not make a message of the bytes at all
};
std::string_view to_string(NoTextReason reason) noexcept;

struct Request {
  // Originator and recipients (RFC 5322 §3.6.2, §3.6.3). Groups are
  // flattened to their members; at most Limits::max_addresses per list.
  Address from;                   // first mailbox of From; empty if none
  std::vector<Address> from_all;  // every mailbox of every From field
  std::vector<Address> reply_to;
  std::vector<Address> to;
  std::vector<Address> cc;

  std::string subject;  // RFC 2047-decoded; CR/LF/control characters replaced by spaces

  // Thread identifiers (RFC 5322 §3.6.4), without angle brackets.
  std::string message_id;
  std::string in_reply_to;              // first msg-id of In-Reply-To
  std::vector<std::string> references;  // oldest first; capped (first and newest kept)

  std::optional<std::chrono::system_clock::time_point> date;  // Date, if it parsed (years 1678–2261)
  std::string date_raw;                                       // Date as written (unfolded)

  HeaderMap headers;              // all fields, for policy
  // The trace fields in the order they appear, topmost first: every
  // Received and Authentication-Results (name as written, value unfolded).
  // headers keeps order only among fields of one name; authenticity needs to
  // know which Authentication-Results lie above which Received (RFC 8601 §5).
  std::vector<std::pair<std::string, std::string>> trace;
  bool header_truncated = false;  // the header block exceeded Limits::max_header_bytes

  // Root content type, lower-case ("multipart/report", "text/plain"), and
  // its parameters (lower-case names: "report-type", "boundary", …).
  std::string content_type;
  std::map<std::string, std::string> content_type_params;

  // The body. `text` is what the sender wrote in this message; `quoted` is the
  // reply history below it ("> " lines, "On … wrote:", Outlook's
  // "-----Original Message-----" / "From: … Sent: …" blocks), kept but
  // marked. Line ends are "\n". text + quoted ≤ Limits::max_text_bytes.
  std::string text;
  std::string quoted;
  std::string text_section;  // IMAP section the text came from ("1", "1.1"); empty if none
  std::string text_subtype;  // "plain" or "html" (converted to text); empty if none
  bool truncated = false;    // the text part was cut (fetch limit or max_text_bytes)

  std::vector<Attachment> attachments;

  // Set when text is empty: the kind, and a sentence for logs.
  NoTextReason reason_kind = NoTextReason::none;
  std::string reason;

  // First value of header field `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // True if text is empty (reason_kind then says why).
  bool has_text() const noexcept { return !text.empty(); }
};

}  // namespace raven::message
