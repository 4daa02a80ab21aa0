// raven::bench — the mail the benchmark delivers.
//
// Why: issue 7 asks for realistic traffic, not one message repeated: a few
// lines of plain text as most help-desk mail is, 10 % multipart/alternative
// with an HTML part (what mail clients send by default), 2 % with a 1 MB
// attachment (a PDF or a screenshot), and once a 25 MB attachment, the case
// that must not be downloaded. Every message comes from an allowed sender
// (@example.com) with a unique Message-ID, so every one deserves exactly one
// reply.
//
// Deterministic: message i of a run is always the same (its attachment bytes
// come from a fixed generator), so runs differ only in timing. Pure; any
// thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace raven::bench {

enum class Kind { plain, alternative, attachment };

// Which kind message i is: every 50th (from the 25th on) has a 1 MiB
// attachment, every 10th (from the 5th on) is multipart/alternative, the
// rest are plain, which gives 2 % and 10 % of any multiple of 50.
Kind kind_of(std::size_t i);

// The bare Message-ID of message i of run `tag` (no angle brackets).
std::string message_id(std::string_view tag, std::size_t i);

// Message i of run `tag`, CRLF line ends, ready for Dovecot::deliver().
std::string make_bench_message(std::string_view tag, std::size_t i);

// One message whose text is a short question and whose attachment has
// `attachment_bytes` bytes (base64-encoded in the message, so the message is
// about 4/3 as large). Its Message-ID is message_id(tag, index).
std::string make_attachment_message(std::string_view tag, std::size_t index, std::size_t attachment_bytes);

}  // namespace raven::bench
