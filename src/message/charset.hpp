// Charset conversion of body text to UTF-8.
//
// Why: mail arrives in every charset (iso-8859-x, windows-125x, koi8-r,
// iso-2022-jp, gb18030, ks_c_5601-1987, utf-7, …) and sometimes in none it
// declares correctly. GMime maps the aliases mailers use to iconv names
// (g_mime_charset_iconv_name) and wraps iconv; this function never fails:
// undecodable bytes become U+FFFD (also in text declared UTF-8), an unknown,
// missing or us-ascii charset is read as UTF-8 when the bytes are valid
// UTF-8, else as windows-1252 (latin1's superset, what such mail nearly
// always is).
//
// Requires message::init(). Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace raven::message {

// `bytes` in `charset` (as declared; may be empty or unknown) → valid UTF-8.
std::string to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace raven::message
