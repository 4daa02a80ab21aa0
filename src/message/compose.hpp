// raven::message::compose_reply — the reply to a Request, as RFC 5322 bytes.
//
// What the reply carries (issue 3, RFC 5322, RFC 3834):
//  - From: ReplyOptions::from (answer.from), display name encoded as UTF-8
//    (GMime would otherwise pick iso-8859-1);
//  - To: the original's Reply-To addresses if any, else its From;
//  - Subject: "Re: <original>" without stacking (subject.hpp);
//  - In-Reply-To: the original's Message-ID; References: its References (or
//    In-Reply-To) plus its Message-ID, capped (RFC 5322 §3.6.4);
//  - Message-ID: ReplyOptions::message_id, or a fresh one in the domain of
//    the From address; Date: ReplyOptions::date or now;
//  - Auto-Submitted: auto-replied (RFC 3834 §5) and
//    X-Auto-Response-Suppress: All (Exchange), so other robots do not answer;
//  - multipart/alternative: text/plain (the Markdown as written) and
//    text/html (the Markdown rendered by cmark, raw HTML from the model
//    never passed through), both charset=utf-8, quoted-printable or base64
//    as GMime judges best; optionally the original quoted below both.
// No header value can carry CR or LF: every value from the mail or the model
// goes through header_safe() (or is validated as an addr-spec / msg-id), and
// GMime encodes and folds what it writes. Serialised with CRLF line ends.
//
// Blocking: CPU only. Thread-safe: builds and frees its own GMime objects on
// the calling thread; calls init() itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message/request.hpp"

namespace raven::message {

struct ReplyOptions {
  std::string from;  // answer.from, e.g. "Raven <raven@example.com>" (parse_address() must accept it)
  bool quote_original = true;         // answer.quote_original
  std::size_t max_quote_lines = 200;  // of the quoted original
  std::size_t max_quote_bytes = std::size_t{16} * 1024;
  std::string message_id;  // the reply's Message-ID (no brackets); empty: new_message_id()
  std::optional<std::chrono::system_clock::time_point> date;  // empty: now
  std::size_t max_references = 20;                            // ids in References (first and newest kept)
  std::size_t max_recipients = 20;                            // Reply-To addresses used
  std::size_t max_answer_bytes = std::size_t{512} * 1024;     // of the model's Markdown; more is cut
};

struct Reply {
  std::string data;                     // the whole message, CRLF line ends
  std::vector<std::string> recipients;  // envelope recipients (RCPT TO): the To addr-specs
  std::string message_id;               // without brackets
  std::string subject;
  std::string in_reply_to;              // without brackets; empty if the original had no id
  std::vector<std::string> references;  // without brackets
};

// Throws raven::Error: fatal if options.from is not a single valid mailbox
// (a configuration error: every reply would fail), permanent if the original
// has no usable address to reply to or options.message_id is not a valid id.
Reply compose_reply(const Request& original, const ReplyOptions& options, std::string_view answer_markdown);

}  // namespace raven::message
