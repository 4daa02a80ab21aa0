#include "message/charset.hpp"

#include <gmime/gmime.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "common/text.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

class Iconv {
 public:
  Iconv(const char* to, const char* from) : cd_(g_mime_iconv_open(to, from)) {}
  ~Iconv() {
    if (ok()) g_mime_iconv_close(cd_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  bool ok() const noexcept { return cd_ != invalid(); }
  iconv_t get() const noexcept { return cd_; }

 private:
  // iconv_open(3) reports failure as (iconv_t)-1.
  static iconv_t invalid() noexcept {
    return reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1));  // NOLINT(performance-no-int-to-ptr)
  }
  iconv_t cd_;
};

// Converts with iconv, replacing each undecodable byte by U+FFFD and going on
// (iconv itself stops at the first one).
std::string convert(const Iconv& cd, std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2 + 16);
  char chunk[4096];
  // iconv's prototype takes char** for the input; it does not write through it.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  while (in_left > 0) {
    char* o = chunk;
    std::size_t o_left = sizeof chunk;
    const std::size_t rc = iconv(cd.get(), &in, &in_left, &o, &o_left);
    out.append(chunk, sizeof chunk - o_left);
    if (rc != static_cast<std::size_t>(-1) || errno == E2BIG) continue;
    // EILSEQ: an invalid sequence; EINVAL: an incomplete one at the end (a
    // truncated fetch). Either way: one replacement, skip a byte, go on.
    out += kReplacement;
    ++in;
    --in_left;
    iconv(cd.get(), nullptr, nullptr, nullptr, nullptr);  // back to the initial shift state
  }
  while (true) {  // flush a stateful decoder (iso-2022-jp, utf-7)
    char* o = chunk;
    std::size_t o_left = sizeof chunk;
    const std::size_t rc = iconv(cd.get(), nullptr, nullptr, &o, &o_left);
    out.append(chunk, sizeof chunk - o_left);
    if (rc != static_cast<std::size_t>(-1) || errno != E2BIG) break;
  }
  return out;
}

bool is_utf8_name(const std::string& name) {
  return name == "utf-8" || name == "utf8";
}

// Names that say nothing about 8-bit bytes.
bool is_ascii_or_unknown_name(const std::string& name) {
  return name.empty() || name == "us-ascii" || name == "ascii" || name == "ansi_x3.4-1968" ||
         name == "unknown-8bit" || name == "x-unknown" || name == "7bit" || name == "8bit" ||
         name == "default";
}

std::string from_windows_1252(std::string_view bytes) {
  Iconv cd("UTF-8", "WINDOWS-1252");
  if (cd.ok()) return sanitize_utf8(convert(cd, bytes));
  // Without iconv's table, latin1 maps byte for byte onto U+0000–U+00FF.
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (b >> 6));
      out += static_cast<char>(0x80 | (b & 0x3F));
    }
  }
  return sanitize_utf8(out);
}

}  // namespace

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  const std::string name = ascii_lower(trim(charset));
  // Declared UTF-8: a stray invalid byte is a replacement character.
  if (is_utf8_name(name)) return sanitize_utf8(bytes);
  if (is_ascii_or_unknown_name(name)) {
    // Undeclared 8-bit text is UTF-8 today, or else windows-1252.
    return is_valid_utf8(bytes) ? sanitize_utf8(bytes) : from_windows_1252(bytes);
  }
  const char* iconv_name = g_mime_charset_iconv_name(name.c_str());
  Iconv cd("UTF-8", iconv_name != nullptr ? iconv_name : name.c_str());
  if (!cd.ok()) {
    return is_valid_utf8(bytes) ? sanitize_utf8(bytes) : from_windows_1252(bytes);
  }
  return sanitize_utf8(convert(cd, bytes));
}

}  // namespace raven::message
