// raven::message — parse a fetched message into a Request; compose the Reply.
//
// The module's public API in one include (DESIGN.md "Modules": message owns
// parsing and composing, on GMime, libxml2 and cmark):
//  - init.hpp:       init(), once from main before threads (idempotent);
//  - text_part.hpp:  choose_text_part() — which section to fetch, from BODYSTRUCTURE;
//  - parse.hpp:      parse_fetched() / parse_message() → Request (request.hpp);
//  - compose.hpp:    compose_reply() → Reply; ReplyOptions;
//  - address.hpp:    parse_address() — for validating answer.from;
//  - message_id.hpp: derive_reply_message_id() and friends;
//  - limits.hpp:     Limits (answer.max_text is Limits::max_text_bytes).
// Everything is CPU-only, blocks on nothing, and may be called from any
// thread; GMime and libxml2 objects never outlive a call.
#pragma once

#include "message/address.hpp"
#include "message/compose.hpp"
#include "message/init.hpp"
#include "message/limits.hpp"
#include "message/message_id.hpp"
#include "message/parse.hpp"
#include "message/request.hpp"
#include "message/subject.hpp"
#include "message/text_part.hpp"
