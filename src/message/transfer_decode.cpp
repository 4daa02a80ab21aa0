#include "message/transfer_decode.hpp"

#include <gmime/gmime.h>

#include <string>

#include "common/text.hpp"

namespace raven::message {
namespace {

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// The prefix of base64 text that ends after the last complete 4-character
// quantum (RFC 2045 §6.8); whitespace and junk do not count.
std::string_view complete_base64(std::string_view raw) noexcept {
  std::size_t count = 0;
  std::size_t end = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (is_base64_char(raw[i]) || raw[i] == '=') {
      if (++count % 4 == 0) end = i + 1;
    }
  }
  return raw.substr(0, end);
}

// Drops a trailing "=" or "=X" that the cut separated from its hex digits.
std::string_view complete_quoted_printable(std::string_view raw) noexcept {
  const std::size_t n = raw.size();
  if (n >= 1 && raw[n - 1] == '=') return raw.substr(0, n - 1);
  if (n >= 2 && raw[n - 2] == '=' && is_hex(raw[n - 1])) return raw.substr(0, n - 2);
  if (n >= 2 && raw[n - 2] == '=' && raw[n - 1] == '\r')
    return raw.substr(0, n - 2);  // soft break cut in half
  return raw;
}

std::string decode_with(GMimeContentEncoding encoding, std::string_view raw) {
  GMimeEncoding state;
  g_mime_encoding_init_decode(&state, encoding);
  std::string out(g_mime_encoding_outlen(&state, raw.size()) + 16, '\0');
  std::size_t n = g_mime_encoding_step(&state, raw.data(), raw.size(), out.data());
  // flush only finishes pending state; it is given no further input.
  n += g_mime_encoding_flush(&state, nullptr, 0, out.data() + n);
  out.resize(n);
  return out;
}

}  // namespace

std::string decode_transfer_encoding(std::string_view raw, std::string_view encoding, bool cut) {
  const std::string name = ascii_lower(trim(encoding));
  const GMimeContentEncoding kind = g_mime_content_encoding_from_string(name.c_str());
  switch (kind) {
    case GMIME_CONTENT_ENCODING_BASE64: return decode_with(kind, cut ? complete_base64(raw) : raw);
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
      return decode_with(kind, cut ? complete_quoted_printable(raw) : raw);
    case GMIME_CONTENT_ENCODING_UUENCODE: return decode_with(kind, raw);
    default: return std::string(raw);
  }
}

}  // namespace raven::message
