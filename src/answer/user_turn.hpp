// The email as the model's user turn: who wrote, when, about what, and the text.
//
// Only what the model needs to answer: sender, subject, date, the new text,
// the quoted history (marked as such and capped), and the attachments by name
// (never their content). Header fields are shown decoded; nothing from the
// mail is interpreted as an instruction by Raven itself.
#pragma once

#include <string>

#include "message/request.hpp"

namespace raven::answer {

// Pure; any thread.
std::string render_user_turn(const message::Request& request, std::size_t max_quoted_bytes = 4096);

}  // namespace raven::answer
