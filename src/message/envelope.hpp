// The header-derived fields of a Request, read from a GMimeMessage: the
// addresses, subject, thread ids, date and the raw field map.
//
// Internal to the module; shared by parse_message() and parse_fetched(), so
// both read headers identically. Runs on the thread that owns `message`.
#pragma once

#include <gmime/gmime.h>

#include "message/limits.hpp"
#include "message/request.hpp"

namespace raven::message::detail {

void read_envelope(GMimeMessage* message, const Limits& limits, Request& out);

}  // namespace raven::message::detail
