// raven::smtp::Session — one SMTP submission session over libcurl.
//
// Why a wrapper: libcurl speaks SMTP well (STARTTLS, AUTH, SIZE, SMTPUTF8,
// dot-stuffing) but leaves these to its caller (DESIGN.md, "Verified pitfalls"):
//  - its GnuTLS build loads the whole CA store for every new handle and every
//    new connection, so a Session keeps ONE easy handle for its lifetime and
//    libcurl keeps the SMTP connection open in that handle's cache between
//    messages (reused while the server keeps it and for at most 118 s idle,
//    libcurl's CURLOPT_MAXAGE_CONN default);
//  - STARTTLS must be required (CURLUSESSL_ALL), never "try";
//  - refused recipients are skipped silently with MAIL_RCPT_ALLOWFAILS: the
//    server's reply to each RCPT TO is read from the protocol trace instead
//    (see dialogue.hpp) and reported;
//  - envelope addresses are checked for CR/LF/NUL and "<"/">" here, before
//    anything is sent (SMTP command injection);
//  - cancellation through the progress callback reacts only about once a
//    second.
//
// Error kinds (DESIGN.md, "Style"; the per-message path returns a result):
//  - transient: retry later. Connection refused or lost, DNS failure, TLS
//    handshake failure, timeout, cancellation, any 4xx reply (RFC 5321 §4.2.1:
//    "transient negative completion"), 421 at any stage.
//  - permanent: do not retry this message. A 5xx reply to MAIL FROM, to every
//    RCPT TO, or to the message (RFC 5321 §4.2.1: "permanent negative
//    completion"); an envelope address or a message this class refuses to send.
//  - fatal: the configuration or the server is wrong and every later message
//    would fail the same way; stop and tell the operator. Authentication
//    refused (535, 530, 534, 538 — RFC 4954 §6; also "no usable mechanism"),
//    a certificate or host name that does not verify, a server that does not
//    offer STARTTLS when it is required, and a 5xx reply before MAIL FROM
//    (greeting, EHLO). Authentication is "fatal" rather than "permanent"
//    because the message is not at fault: at start-up (verify()) it stops
//    the service; in a worker it means "stop answering, keep the message".
//
// Secrets: the password is given to libcurl (CURLOPT_PASSWORD) and nowhere
// else; it never appears in a result, an error text or a log line (error texts
// are also scrubbed of it, in case a server echoes it). Message bodies are
// never logged.
//
// Threading: a Session is used by one thread at a time (one per worker). The
// stop_token may be triggered from any thread. Move-only.
#pragma once

#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "log/log.hpp"
#include "smtp/config.hpp"

namespace raven::smtp {

// A recipient the server refused while the message still went to others, or
// one of several refusals when none was accepted.
struct RejectedRecipient {
  std::string address;  // as passed to submit()
  int code = 0;         // the reply to RCPT TO, e.g. 550 (RFC 5321 §4.2.3)
  std::string reply;    // the server's text, sanitised, e.g. "5.1.1 <x@y>: Recipient address rejected"
};

struct [[nodiscard]] SubmitResult {
  // The server accepted the message (250 after the end of data) for at least
  // one recipient; see `rejected` for the others.
  bool accepted = false;
  // How to react when !accepted (meaningless when accepted).
  ErrorKind kind = ErrorKind::transient;
  // What went wrong, for logs: names the stage and quotes the server's reply
  // when there was one. Never contains the password or message text.
  std::string error;
  // The server's last reply code (0 when it never answered, e.g. connection
  // refused), and its text.
  int smtp_code = 0;
  std::string smtp_reply;
  // Recipients refused with their reply (also when accepted).
  std::vector<RejectedRecipient> rejected;
  // The stop_token was triggered and the transfer aborted (kind transient).
  bool cancelled = false;
  // The whole message was sent but no verdict arrived (connection lost,
  // timeout, cancelled): the server may have accepted it. A retry may deliver
  // a second copy; the journal should say so.
  bool outcome_unknown = false;
  // A new connection was opened for this submission (false: an open one was
  // reused, or nothing was sent at all).
  bool new_connection = false;

  explicit operator bool() const noexcept { return accepted; }
  // The failure as an exception, for callers that throw (setup paths).
  Error to_error() const { return Error(kind, error); }
};

class Session {
 public:
  // Validates `config` and prepares the libcurl handle; connects nothing.
  // Throws raven::Error (fatal) when the config has problems or libcurl cannot
  // be initialised. Does not block.
  explicit Session(Config config, const log::Logger& logger = log::Logger());
  ~Session();  // closes the connection (QUIT, bounded by the timeouts)
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Submits one message: MAIL FROM:<envelope_from> (Config::envelope_from when
  // empty), RCPT TO for each recipient, DATA. `message` is the complete
  // RFC 5322 message with CRLF line ends (a bare CR or LF, or a NUL, is refused
  // as permanent: fix the composer); libcurl dot-stuffs lines that start with
  // "." and adds the end-of-data mark. Addresses are checked first (see
  // envelope_address_problem); a bad one is permanent and nothing is sent.
  // At most 100 recipients (RFC 5321 §4.5.3.1.8).
  //
  // Reuses the open connection when libcurl still has one, else connects
  // (TLS, AUTH). Blocks up to Config::timeout; `stop` aborts within about a
  // second (then cancelled = true, kind transient). Never throws except
  // std::bad_alloc.
  SubmitResult submit(std::string_view envelope_from, const std::vector<std::string>& recipients,
                      std::string_view message, std::stop_token stop = {});

  // Start-up check: connects (or reuses the connection), does TLS and AUTH as
  // configured and sends NOOP (RFC 5321 §4.1.1.9). `accepted` means all of that
  // worked; the connection stays open for the first submit(). Same kinds as
  // submit(): a wrong password or an untrusted certificate is fatal. Blocks up
  // to Config::timeout; `stop` aborts it.
  SubmitResult verify(std::stop_token stop = {});

  const Config& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace raven::smtp
