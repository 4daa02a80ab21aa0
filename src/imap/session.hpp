// raven::imap::Session — one authenticated IMAP connection, over libetpan.
//
// Why a wrapper: libetpan is the IMAP engine, but on Debian 12 it leaves holes
// that this class closes (DESIGN.md, "Verified pitfalls"):
//  - its GnuTLS build verifies no certificate: after the handshake and before
//    LOGIN we verify the chain and host name with GnuTLS ourselves (system trust
//    or Config::ca_file), or a pinned SHA-256;
//  - it does not escape CR/LF in quoted strings: every string argument is
//    checked and rejected (permanent error) before it reaches libetpan;
//  - its timeout is per read, not a deadline: a watchdog cancels the stream
//    when a command runs past Config::command_timeout;
//  - it can spin on EOF inside a literal on plaintext streams: EOF is an error;
//  - after any stream or parse error the handle is unusable: the session marks
//    itself broken and every later call throws a transient Error; drop it and
//    connect a new one.
//
// Threading: a Session is used by one thread at a time (it is move-only and
// owns its socket). idle() can be interrupted from any thread through the
// std::stop_token it is given.
//
// Errors: every method throws raven::Error. Kinds:
//  - transient: network failure, timeout, server closed the connection, BYE;
//  - permanent: the server answered NO/BAD to this command, or an argument
//    contained CR/LF/NUL;
//  - fatal: certificate or host name verification failed, LOGIN rejected
//    (bad credentials), the mailbox does not exist.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "imap/config.hpp"

namespace raven::imap {

using Uid = std::uint32_t;

// What SELECT reported (RFC 3501 §6.3.1).
struct MailboxStatus {
  std::uint32_t uidvalidity = 0;
  std::uint32_t exists = 0;
  std::uint32_t uidnext = 0;
};

// The keys of one UID SEARCH, AND-ed together (RFC 3501 §6.4.4). Strings must
// not contain CR, LF or NUL (else a permanent Error, nothing is sent).
struct SearchQuery {
  bool unseen = true;                 // UNSEEN
  std::vector<std::string> from_any;  // OR-ed FROM terms (substring match on the server!)
  std::string subject;                // SUBJECT, if not empty
  std::optional<Uid> min_uid;         // UID min:*, if set
  // HEADER name value: the header contains value (RFC 3501: substring).
  std::vector<std::pair<std::string, std::string>> headers;
};

// One MIME part of BODYSTRUCTURE (RFC 3501 §7.4.2), as a tree.
struct BodyPart {
  std::string section;                      // "1", "1.2"; "" for the root of a single-part message ("1" is its text)
  std::string type;                         // lower-case, "text"
  std::string subtype;                      // lower-case, "plain"
  std::map<std::string, std::string> params;  // lower-case names: charset, name, boundary…
  std::string encoding;                     // lower-case: 7bit, quoted-printable, base64…
  std::uint32_t size = 0;                   // octets of the encoded body
  std::string disposition;                  // lower-case: attachment, inline, or empty
  std::string filename;                     // disposition filename, else name parameter
  std::string id;                           // Content-ID
  std::vector<BodyPart> children;           // for multipart/*
};

// Which items to UID FETCH. The UID is always fetched.
struct FetchItems {
  bool flags = false;           // FLAGS
  bool size = false;            // RFC822.SIZE
  bool internal_date = false;   // INTERNALDATE
  bool bodystructure = false;   // BODYSTRUCTURE
  bool header = false;          // BODY.PEEK[HEADER] (does not set \Seen)
  struct Section {
    std::string section;        // e.g. "1.1" or "TEXT"
    std::uint32_t max_bytes;    // BODY.PEEK[section]<0.max_bytes>
  };
  std::vector<Section> sections;
};

struct FetchedMessage {
  Uid uid = 0;
  std::vector<std::string> flags;      // "\\Seen", "$Forwarded", …
  std::uint32_t size = 0;
  std::string internal_date;           // as the server sent it
  std::optional<BodyPart> bodystructure;
  std::string header;                  // raw header block, CRLF line ends
  std::map<std::string, std::string> sections;  // section → raw (still transfer-encoded) bytes
};

class Session {
 public:
  // Connects (TCP, then TLS per Config::tls, with STARTTLS when asked),
  // verifies the certificate, refreshes capabilities after STARTTLS, and logs
  // in. Blocks up to connect_timeout + command_timeout. `stop` aborts it.
  static Session connect(const Config& config, std::stop_token stop = {});

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();  // closes the socket without waiting for the server

  // Capabilities as the server last announced them (upper-case atoms).
  const std::vector<std::string>& capabilities() const;
  bool has_capability(std::string_view name) const;  // case-insensitive

  // SELECT. Blocks. A missing mailbox is a fatal Error (a config problem).
  MailboxStatus select(const std::string& mailbox);
  // EXAMINE: SELECT read-only (nothing read there changes its flags). Blocks.
  // A missing mailbox is a permanent Error. After a failed SELECT or EXAMINE
  // no mailbox is selected (RFC 3501 §6.3.1).
  MailboxStatus examine(const std::string& mailbox);
  // UID SEARCH; UIDs ascending. Blocks.
  std::vector<Uid> uid_search(const SearchQuery& query);
  // UID FETCH of `uids` (empty → no command, empty result). Blocks.
  std::vector<FetchedMessage> uid_fetch(const std::vector<Uid>& uids, const FetchItems& items);
  // UID STORE +FLAGS.SILENT (flags). Flags are system flags ("\\Seen") or keywords. Blocks.
  void uid_store_add_flags(const std::vector<Uid>& uids, const std::vector<std::string>& flags);
  // APPEND; returns the new UID when the server supports UIDPLUS (RFC 4315), else 0. Blocks.
  Uid append(const std::string& mailbox, std::string_view message, const std::vector<std::string>& flags);
  // NOOP: proves the connection alive and collects pending EXISTS. Blocks.
  void noop();

  enum class IdleResult {
    mailbox_changed,  // the server sent EXISTS/RECENT/EXPUNGE/FETCH while idling
    timed_out,        // `max` elapsed with no news: re-issue IDLE (RFC 2177: < 29 min)
    stopped,          // `stop` was requested
  };
  // IDLE (RFC 2177) until news, `max`, or a stop request, which interrupts it
  // within milliseconds (an eventfd woken by a stop_callback). Sends DONE and
  // reads the tagged OK before returning, so the session stays usable.
  // Requires the IDLE capability (else a permanent Error). Blocks.
  IdleResult idle(std::chrono::milliseconds max, std::stop_token stop);

  // LOGOUT, best effort (errors ignored). The session is closed afterwards.
  void logout() noexcept;

  // False after any stream error or logout: drop the session and reconnect.
  bool usable() const noexcept;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  MailboxStatus open_mailbox(const std::string& mailbox, bool read_only, ErrorKind missing);
  std::unique_ptr<Impl> impl_;
};

}  // namespace raven::imap
