#include "corpus.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace raven::bench {
namespace {

constexpr std::size_t kAttachmentBytes = std::size_t{1024} * 1024;

constexpr std::array<std::string_view, 8> kNames = {"Alice Martin", "Bob Keller", "Chloe Durand",
                                                    "Dan O'Neil",   "Eva Novak",  "Farid Haddad",
                                                    "Grace Liu",    "Hugo Silva"};

constexpr std::array<std::string_view, 6> kTopics = {"my order", "an invoice", "the opening hours",
                                                     "a refund", "delivery",   "my account"};

// RFC 5322 §3.3 date in UTC, without the locale's month names.
std::string date_now() {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                      kDays.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                      kMonths.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900, utc.tm_hour,
                      utc.tm_min, utc.tm_sec);
  return buf;
}

std::string sender(std::size_t i) {
  const std::size_t n = i % 40;  // 40 different people
  return "\"" + std::string(kNames.at(n % kNames.size())) + "\" <customer" + std::to_string(n) +
         "@example.com>";
}

std::string topic(std::size_t i) {
  return std::string(kTopics.at(i % kTopics.size()));
}

// The headers every benchmark message shares; `content_type` ends them.
std::string headers(std::string_view tag, std::size_t i, std::string_view content_type) {
  return "From: " + sender(i) + "\r\nTo: Help Desk <raven@example.test>\r\nSubject: Question " +
         std::to_string(i) + " about " + topic(i) + "\r\nDate: " + date_now() + "\r\nMessage-ID: <" +
         message_id(tag, i) + ">\r\nMIME-Version: 1.0\r\n" + std::string(content_type) + "\r\n\r\n";
}

// A few lines, as a customer writes them.
std::string plain_text(std::size_t i) {
  return "Hello,\r\n\r\nI have a question about " + topic(i) + " (reference " +
         std::to_string(100000 + i * 7) +
         ").\r\nI ordered last week and have not heard back since. Could you tell me\r\n"
         "what happens next, and whether I need to send anything else?\r\n\r\nThank you,\r\n" +
         std::string(kNames.at(i % 40 % kNames.size())) + "\r\n";
}

std::string html_text(std::size_t i) {
  return "<html><head><style>p{margin:0}</style></head><body>\r\n<p>Hello,</p><p><br></p>\r\n"
         "<p>I have a question about <b>" +
         topic(i) + "</b> (reference " + std::to_string(100000 + i * 7) +
         ").</p>\r\n<p>I ordered last week and have not heard back since. Could you tell me "
         "what happens next, and whether I need to send anything else?</p><p><br></p>\r\n"
         "<p>Thank you,<br>" +
         std::string(kNames.at(i % 40 % kNames.size())) + "</p>\r\n</body></html>\r\n";
}

// `bytes` pseudo-random bytes, base64 in 76-character lines (RFC 2045 §6.8).
std::string base64_lines(std::size_t bytes, std::uint64_t seed) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(bytes / 3 * 4 + bytes / 57 * 2 + 8);
  std::uint64_t x = seed | 1;
  std::size_t column = 0;
  for (std::size_t done = 0; done < bytes; done += 3) {
    x ^= x << 13;  // xorshift64: incompressible enough, and fast
    x ^= x >> 7;
    x ^= x << 17;
    const std::size_t take = bytes - done < 3 ? bytes - done : 3;
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= take ? kAlphabet[(x >> (6 * k)) & 63] : '=';
    }
    column += 4;
    if (column == 76) {
      out += "\r\n";
      column = 0;
    }
  }
  if (column != 0) out += "\r\n";
  return out;
}

std::string alternative_message(std::string_view tag, std::size_t i) {
  const std::string b = "alt-" + std::to_string(i);
  return headers(tag, i, "Content-Type: multipart/alternative; boundary=\"" + b + "\"") + "--" + b +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
         plain_text(i) + "--" + b +
         "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
         html_text(i) + "--" + b + "--\r\n";
}

}  // namespace

Kind kind_of(std::size_t i) {
  if (i % 50 == 25) return Kind::attachment;
  if (i % 10 == 5) return Kind::alternative;
  return Kind::plain;
}

std::string message_id(std::string_view tag, std::size_t i) {
  return "bench-" + std::string(tag) + "-" + std::to_string(i) + "@example.com";
}

std::string make_attachment_message(std::string_view tag, std::size_t index, std::size_t attachment_bytes) {
  const std::string b = "mixed-" + std::to_string(index);
  return headers(tag, index, "Content-Type: multipart/mixed; boundary=\"" + b + "\"") + "--" + b +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
         plain_text(index) + "The scan of the delivery note is attached.\r\n--" + b +
         "\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n"
         "Content-Disposition: attachment; filename=\"scan.pdf\"\r\nContent-Transfer-Encoding: "
         "base64\r\n\r\n" +
         base64_lines(attachment_bytes, 0x9E3779B97F4A7C15ULL + index) + "--" + b + "--\r\n";
}

std::string make_bench_message(std::string_view tag, std::size_t i) {
  switch (kind_of(i)) {
    case Kind::plain:
      return headers(tag, i, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit") +
             plain_text(i);
    case Kind::alternative: return alternative_message(tag, i);
    case Kind::attachment: return make_attachment_message(tag, i, kAttachmentBytes);
  }
  return {};
}

}  // namespace raven::bench
