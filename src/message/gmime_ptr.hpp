// Internal RAII and cast helpers for the GLib/GMime/libxml2/iconv handles the
// message module uses. Not part of the public API.
//
// Why: DESIGN.md "Style" asks for RAII on every C handle; GMime objects are
// reference counted GObjects (g_object_unref), option structs and strings have
// their own free functions. GLib's cast macros (G_OBJECT(), GMIME_PART(), …)
// are old-style casts; the small inline helpers below keep them out of our
// code (the headers are included as system headers, so the checked-cast
// macros themselves do not warn).
//
// Threading: each handle belongs to the thread that created it (GMime objects
// are per thread, DESIGN.md "Verified pitfalls").
#pragma once

#include <gmime/gmime.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace raven::message::detail {

struct GObjectUnref {
  void operator()(void* p) const noexcept {
    if (p != nullptr) g_object_unref(p);
  }
};
// Owns one reference to a GObject (GMimeMessage, GMimePart, GMimeStream, …).
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Takes ownership of a reference returned by a *_new / construct_* function.
template <typename T>
GObjectPtr<T> adopt(T* p) noexcept {
  return GObjectPtr<T>(p);
}

struct GFree {
  void operator()(void* p) const noexcept { g_free(p); }
};
// A string allocated by GLib/GMime (g_free).
using GCharPtr = std::unique_ptr<char, GFree>;

// Copies a GLib string into std::string (nullptr → ""), then frees it.
inline std::string take_string(char* s) {
  GCharPtr owned(s);
  return owned ? std::string(owned.get()) : std::string();
}
inline std::string copy_string(const char* s) {
  return s != nullptr ? std::string(s) : std::string();
}

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* p) const noexcept {
    if (p != nullptr) g_mime_parser_options_free(p);
  }
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* p) const noexcept {
    if (p != nullptr) g_mime_format_options_free(p);
  }
};
using FormatOptionsPtr = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

struct DateTimeUnref {
  void operator()(GDateTime* p) const noexcept {
    if (p != nullptr) g_date_time_unref(p);
  }
};
using DateTimePtr = std::unique_ptr<GDateTime, DateTimeUnref>;

// Parser options for mail from outside: loose RFC compliance (GMime's default)
// and, for raw 8-bit header bytes, UTF-8 first and then windows-1252 (a
// superset of latin1 that every Western mailer really meant).
ParserOptionsPtr new_parser_options();

// Format options that serialise with CRLF line ends (RFC 5322 §2.1).
FormatOptionsPtr new_crlf_format_options();

// Checked casts, wrapped so our code has no old-style casts.
inline GMimeObject* as_object(void* p) noexcept {
  return GMIME_OBJECT(p);
}
inline bool is_part(GMimeObject* o) noexcept {
  return o != nullptr && GMIME_IS_PART(o);
}
inline bool is_multipart(GMimeObject* o) noexcept {
  return o != nullptr && GMIME_IS_MULTIPART(o);
}
inline bool is_message_part(GMimeObject* o) noexcept {
  return o != nullptr && GMIME_IS_MESSAGE_PART(o);
}
inline GMimePart* as_part(GMimeObject* o) noexcept {
  return GMIME_PART(o);
}
inline GMimeMultipart* as_multipart(GMimeObject* o) noexcept {
  return GMIME_MULTIPART(o);
}
inline GMimeMessagePart* as_message_part(GMimeObject* o) noexcept {
  return GMIME_MESSAGE_PART(o);
}
inline GMimeStreamMem* as_stream_mem(GMimeStream* s) noexcept {
  return GMIME_STREAM_MEM(s);
}
inline bool is_mailbox(InternetAddress* a) noexcept {
  return a != nullptr && INTERNET_ADDRESS_IS_MAILBOX(a);
}
inline bool is_group(InternetAddress* a) noexcept {
  return a != nullptr && INTERNET_ADDRESS_IS_GROUP(a);
}
inline InternetAddressMailbox* as_mailbox(InternetAddress* a) noexcept {
  return INTERNET_ADDRESS_MAILBOX(a);
}
inline InternetAddressGroup* as_group(InternetAddress* a) noexcept {
  return INTERNET_ADDRESS_GROUP(a);
}

// A read-only GMime memory stream over a copy of `bytes`.
GObjectPtr<GMimeStream> memory_stream(std::string_view bytes);

// Reads at most `max` bytes of `stream` from its start.
std::string read_stream(GMimeStream* stream, std::size_t max);

}  // namespace raven::message::detail
