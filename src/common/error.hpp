// raven::Error — the one exception type of Raven, carrying how to react.
//
// DESIGN.md, "Style": errors say how to react, and code branches on the kind,
// never on the text.
//  - transient: retry later (network trouble, SMTP 4xx, HTTP 429/5xx, a server
//    that went away). The operation may succeed if repeated.
//  - permanent: do not retry this item (SMTP 5xx, a message that cannot be
//    parsed, a command the server rejects with NO/BAD).
//  - fatal: stop the service (bad credentials at start-up, a certificate that
//    does not verify, a broken configuration).
// Setup paths throw Error; the per-message path (later issues) returns results.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace raven {

enum class ErrorKind { transient, permanent, fatal };

// Returns "transient", "permanent" or "fatal", for logs.
std::string_view to_string(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace raven
