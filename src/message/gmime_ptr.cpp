#include "message/gmime_ptr.hpp"

#include <algorithm>
#include <array>

namespace raven::message::detail {

ParserOptionsPtr new_parser_options() {
  ParserOptionsPtr options(g_mime_parser_options_new());
  // GMime copies the array; the strings are literals.
  std::array<const char*, 3> fallback = {"utf-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), fallback.data());
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  return options;
}

FormatOptionsPtr new_crlf_format_options() {
  FormatOptionsPtr options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  return options;
}

GObjectPtr<GMimeStream> memory_stream(std::string_view bytes) {
  return adopt(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
}

std::string read_stream(GMimeStream* stream, std::size_t max) {
  std::string out;
  if (stream == nullptr) return out;
  if (g_mime_stream_reset(stream) != 0) return out;
  std::array<char, 16384> buffer{};
  while (out.size() < max) {
    const std::size_t want = std::min(buffer.size(), max - out.size());
    const ssize_t got = g_mime_stream_read(stream, buffer.data(), want);
    if (got <= 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(got));
  }
  return out;
}

}  // namespace raven::message::detail
