// raven::imap stream guard — a mailstream_low driver that makes EOF an error.
//
// Why: libetpan 1.9.4 reads a literal in a loop that stops only on -1; its
// plaintext socket driver returns 0 at EOF, so a server that dies while a
// literal is being read makes the loop spin at 100 % CPU forever (DESIGN.md,
// "Verified pitfalls"; fixed upstream later). The guard sits between the
// mailstream and the real low-level driver (socket or TLS), delegates
// everything, and turns a 0-byte read into -1 (remembering that EOF was seen).
//
// It also gives the watchdog one stable object to cancel: the inner driver can
// be swapped (STARTTLS) while another thread may be cancelling.
//
// Threading: reads, writes and replace_guarded_low() on the owning thread;
// cancel (through mailstream_cancel) from any thread.
#pragma once

#include "imap/etpan.hpp"

namespace raven::imap {

// Replaces `stream`'s low-level driver with a guard around it. The guard owns
// the previous low-level stream. Throws std::bad_alloc (leaving the stream as
// it was) if memory runs out.
void install_stream_guard(mailstream* stream);

// The guard's inner low-level stream is replaced by `inner` (used after the
// TLS handshake of STARTTLS); the old one is freed without closing the fd.
// `stream` must have a guard.
void replace_guarded_low(mailstream* stream, mailstream_low* inner) noexcept;

// The inner low-level stream of a guarded stream.
mailstream_low* guarded_low(mailstream* stream) noexcept;

// True once the guarded stream saw the peer close the connection.
bool stream_saw_eof(mailstream* stream) noexcept;

// Sets the per-read timeout (seconds, libetpan's unit) on the stream's
// low-level driver(s).
void set_stream_timeout(mailstream* stream, long seconds) noexcept;

}  // namespace raven::imap
