#include "smtp/dialogue.hpp"

#include <array>
#include <utility>

namespace raven::smtp {
namespace {

constexpr std::size_t no_rcpt = static_cast<std::size_t>(-1);

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// The verb of a command line, if it is one we track; `other` for anything
// else. Only the verb is examined: arguments can hold credentials.
Stage stage_of_command(std::string_view line) {
  static constexpr std::array<std::pair<std::string_view, Stage>, 9> verbs{{
      {"EHLO", Stage::ehlo},
      {"HELO", Stage::ehlo},
      {"STARTTLS", Stage::starttls},
      {"AUTH", Stage::auth},
      {"MAIL", Stage::mail},
      {"RCPT", Stage::rcpt},
      {"DATA", Stage::data},
      {"QUIT", Stage::quit},
      {"RSET", Stage::other},
  }};
  for (const auto& [verb, stage] : verbs) {
    if (line.size() < verb.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < verb.size(); ++i) {
      if (ascii_upper(line[i]) != verb[i]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    // The verb must end at a space or the end of the line.
    if (line.size() == verb.size() || line[verb.size()] == ' ' || line[verb.size()] == '\r' ||
        line[verb.size()] == '\n') {
      return stage;
    }
  }
  return Stage::other;
}

void append_sanitised(std::string& out, std::string_view text, std::size_t cap) {
  for (char c : text) {
    if (out.size() >= cap) return;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
}

}  // namespace

std::string_view to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::greeting: return "greeting";
    case Stage::ehlo: return "EHLO";
    case Stage::starttls: return "STARTTLS";
    case Stage::auth: return "AUTH";
    case Stage::mail: return "MAIL FROM";
    case Stage::rcpt: return "RCPT TO";
    case Stage::data: return "DATA";
    case Stage::end_of_data: return "end of data";
    case Stage::quit: return "QUIT";
    case Stage::other: return "command";
  }
  return "command";
}

void Dialogue::reset(std::size_t recipient_count) {
  rcpt_.assign(recipient_count, Reply{0, {}, Stage::rcpt});
  next_rcpt_ = 0;
  pending_rcpt_ = no_rcpt;
  // A reused connection starts with MAIL FROM; a new one with the greeting.
  awaiting_ = Stage::greeting;
  out_at_line_start_ = true;
  skip_sasl_line_ = false;
  data_sent_ = false;
  message_sent_ = false;
  end_of_data_answered_ = false;
  in_partial_.clear();
  current_ = Reply{};
  last_ = Reply{};
}

void Dialogue::on_sent(std::string_view bytes) {
  if (bytes.empty()) return;
  const bool starts_command = out_at_line_start_;
  out_at_line_start_ = bytes.back() == '\n';
  if (!starts_command) return;  // the rest of a line already seen
  if (skip_sasl_line_) {
    // RFC 4954 §4: the client's answer to a 334 challenge (base64 of
    // credentials). Not a command; never looked at.
    skip_sasl_line_ = false;
    return;
  }
  const Stage stage = stage_of_command(bytes);
  awaiting_ = stage;
  pending_rcpt_ = no_rcpt;
  if (stage == Stage::rcpt) {
    pending_rcpt_ = next_rcpt_++;
  } else if (stage == Stage::data) {
    data_sent_ = true;
  }
}

void Dialogue::on_received(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (in_partial_.size() < 4096) in_partial_.append(bytes.substr(0, 4096 - in_partial_.size()));
      return;
    }
    in_partial_.append(bytes.substr(0, nl + 1));
    bytes.remove_prefix(nl + 1);
    std::string line = std::move(in_partial_);
    in_partial_.clear();
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    on_line(line);
  }
}

void Dialogue::on_line(std::string_view line) {
  // RFC 5321 §4.2: "xyz-text" continues a reply, "xyz text" or "xyz" ends it.
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) return;
  const bool final_line = line.size() == 3 || line[3] == ' ';
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};

  if (current_.code == 0) {
    current_.code = code;
  } else if (current_.text.size() < max_text) {
    append_sanitised(current_.text, " / ", max_text);
  }
  append_sanitised(current_.text, text, max_text);
  if (!final_line) return;

  current_.code = code;
  current_.stage = awaiting_;
  if (awaiting_ == Stage::quit) {
    current_ = Reply{};
    return;
  }
  last_ = std::move(current_);
  current_ = Reply{};

  if (last_.stage == Stage::rcpt && pending_rcpt_ != no_rcpt && pending_rcpt_ < rcpt_.size()) {
    rcpt_[pending_rcpt_] = last_;
    pending_rcpt_ = no_rcpt;
  }
  if (last_.stage == Stage::auth && code == 334) skip_sasl_line_ = true;
  if (last_.stage == Stage::data && code == 354) {
    // RFC 5321 §4.1.1.4: after 354 the client sends the message; the next
    // reply is the verdict on it.
    awaiting_ = Stage::end_of_data;
  } else if (last_.stage == Stage::end_of_data) {
    end_of_data_answered_ = true;
  }
}

}  // namespace raven::smtp
