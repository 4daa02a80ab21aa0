#include "smtp/outcome.hpp"

namespace raven::smtp {
namespace {

// RFC 4954 §6 and RFC 3207 §4: the server refuses us, not the message.
bool is_authentication_reply(int code) noexcept {
  return code == 530 || code == 534 || code == 535 || code == 538;
}

}  // namespace

bool is_certificate_failure(CURLcode code) noexcept {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE: return true;
    default: return false;
  }
}

bool failed_on_reply(CURLcode code, const Dialogue& dialogue) noexcept {
  if (!dialogue.has_reply() || dialogue.last_reply().code < 400) return false;
  switch (code) {
    // What libcurl 7.88's smtp.c returns after a negative reply: SEND_ERROR
    // (MAIL, RCPT, DATA, commands), WEIRD_SERVER_REPLY (greeting, EHLO, end of
    // data), LOGIN_DENIED (AUTH), USE_SSL_FAILED (STARTTLS refused),
    // REMOTE_ACCESS_DENIED / RECV_ERROR / GOT_NOTHING (421 and a close).
    case CURLE_SEND_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_QUOTE_ERROR: return true;
    default: return false;
  }
}

ErrorKind classify(CURLcode code, const Dialogue& dialogue) noexcept {
  if (code == CURLE_ABORTED_BY_CALLBACK) return ErrorKind::transient;  // cancelled
  if (is_certificate_failure(code)) return ErrorKind::fatal;

  switch (code) {
    // Set-up mistakes: every later submission would fail the same way.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_FUNCTION_NOT_FOUND: return ErrorKind::fatal;
    default: break;
  }

  if (failed_on_reply(code, dialogue)) {
    const Reply& reply = dialogue.last_reply();
    if (reply.code < 500) {
      // RFC 5321 §4.2.1: 4yz is a transient negative completion (421 included).
      return ErrorKind::transient;
    }
    if (reply.stage == Stage::auth || is_authentication_reply(reply.code)) return ErrorKind::fatal;
    switch (reply.stage) {
      case Stage::greeting:
      case Stage::ehlo:
      case Stage::starttls:
        // The server refuses the session, not this message.
        return ErrorKind::fatal;
      case Stage::rcpt:
        // Every recipient was refused (libcurl fails only then, with
        // ALLOWFAILS): permanent unless one refusal was temporary.
        for (const Reply& r : dialogue.rcpt_replies()) {
          if (r.code >= 400 && r.code < 500) return ErrorKind::transient;
        }
        return ErrorKind::permanent;
      default: return ErrorKind::permanent;
    }
  }

  switch (code) {
    // LOGIN_DENIED without a negative reply: libcurl found no mechanism it may
    // use (we allow PLAIN and LOGIN only).
    // USE_SSL_FAILED: STARTTLS not offered. Sending in plaintext would leak
    // the password and the mail, and an attacker can strip the offer: never
    // fall back.
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED: return ErrorKind::fatal;
    default:
      // Connection refused or lost, DNS, TLS handshake, timeouts, …
      return ErrorKind::transient;
  }
}

}  // namespace raven::smtp
