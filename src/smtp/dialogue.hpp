// raven::smtp::Dialogue — what the SMTP server answered, read from libcurl's
// protocol trace. Internal to the smtp module (exposed for its tests).
//
// Why: libcurl reports one CURLcode and the last reply code per transfer. With
// CURLOPT_MAIL_RCPT_ALLOWFAILS it silently skips refused recipients, and its
// error buffer never holds the server's text. Its debug callback, however,
// sees every command line it sends (CURLINFO_HEADER_OUT) and every reply line
// it reads (CURLINFO_HEADER_IN). libcurl 7.88 does not pipeline SMTP, so each
// reply answers the command sent just before it; the k-th RCPT TO names the
// k-th recipient we passed. From that we learn each recipient's reply, the
// text of the last reply, and the stage it belongs to.
//
// Secrets: only the command verb is looked at (from a fixed list), never the
// rest of a line, and SASL continuation lines are skipped entirely, so no
// credential can end up in a Dialogue. Reply text is sanitised (no control
// characters) and capped.
//
// Not thread-safe; one per Session, reset before each transfer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace raven::smtp {

// Which command a reply answers (RFC 5321 §4.1.1, RFC 3207, RFC 4954).
enum class Stage { greeting, ehlo, starttls, auth, mail, rcpt, data, end_of_data, quit, other };

// "greeting", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA",
// "end of data", "QUIT", "command".
std::string_view to_string(Stage stage) noexcept;

struct Reply {
  int code = 0;      // the three-digit reply code (RFC 5321 §4.2)
  std::string text;  // the text after the code; lines of a multi-line reply joined with " / "
  Stage stage = Stage::greeting;
};

class Dialogue {
 public:
  static constexpr std::size_t max_text = 300;  // per reply, after sanitising

  // Forgets everything; the next transfer will send RCPT TO for
  // `recipient_count` recipients in order.
  void reset(std::size_t recipient_count);

  // One chunk of CURLINFO_HEADER_OUT: a command line (or the end of one).
  void on_sent(std::string_view bytes);
  // One chunk of CURLINFO_HEADER_IN: libcurl passes one reply line per call;
  // a chunk holding several lines is split here anyway.
  void on_received(std::string_view bytes);
  // The read callback handed over the last byte of the message; libcurl now
  // sends the end-of-data mark ("." line, RFC 5321 §4.1.1.4).
  void on_message_sent() noexcept { message_sent_ = true; }

  // The most recent complete reply, if any (code 0 when none). The reply to
  // QUIT (libcurl closing a failed connection) is not recorded: it would hide
  // the reply that explains the failure.
  const Reply& last_reply() const noexcept { return last_; }
  bool has_reply() const noexcept { return last_.code != 0; }
  // The reply to each RCPT TO, indexed like the recipients (code 0: no reply).
  const std::vector<Reply>& rcpt_replies() const noexcept { return rcpt_; }
  // True once DATA was sent: from then on a lost connection may mean the
  // server got the whole message.
  bool data_sent() const noexcept { return data_sent_; }
  // True when the whole message went out and no reply to it has arrived: the
  // server may or may not have accepted it.
  bool outcome_unknown() const noexcept { return message_sent_ && !end_of_data_answered_; }

 private:
  void on_line(std::string_view line);

  std::vector<Reply> rcpt_;
  std::size_t next_rcpt_ = 0;
  std::size_t pending_rcpt_ = static_cast<std::size_t>(-1);
  Stage awaiting_ = Stage::greeting;
  bool out_at_line_start_ = true;
  bool skip_sasl_line_ = false;
  bool data_sent_ = false;
  bool message_sent_ = false;
  bool end_of_data_answered_ = false;
  std::string in_partial_;  // an incoming line not yet terminated
  Reply current_;           // lines of a multi-line reply so far
  Reply last_;
};

}  // namespace raven::smtp
