// How a libcurl SMTP transfer ended, as a raven::ErrorKind. Internal to the
// smtp module (exposed for its tests); session.hpp documents the policy.
#pragma once

#include <curl/curl.h>

#include "common/error.hpp"
#include "smtp/dialogue.hpp"

namespace raven::smtp {

// The kind for a transfer that ended with `code` != CURLE_OK, given what the
// server said. Never throws.
ErrorKind classify(CURLcode code, const Dialogue& dialogue) noexcept;

// True for the CURLcodes that mean "the certificate or host name did not
// verify" (or the CA file is unusable).
bool is_certificate_failure(CURLcode code) noexcept;

// True when the server's last reply is the reason for the failure (a 4xx or
// 5xx answer that libcurl turned into `code`), rather than the network.
bool failed_on_reply(CURLcode code, const Dialogue& dialogue) noexcept;

}  // namespace raven::smtp
