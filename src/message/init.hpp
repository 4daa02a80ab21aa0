// raven::message::init — one-time initialisation of the libraries this module
// wraps (GMime 3 and libxml2).
//
// Why: g_mime_init() must run once, before threads use GMime (DESIGN.md,
// "Verified pitfalls"), and libxml2's parser globals must be set up once
// before concurrent parses (xmlInitParser). The service calls init() from
// main; every public entry point of this module calls it too, so a caller
// that forgets (a test, `raven check`) still works.
#pragma once

namespace raven::message {

// Initialises GMime and libxml2 exactly once per process. Idempotent and
// thread-safe (std::call_once); later calls return immediately. Does not
// block beyond the first call's short set-up. Never shut down: GMime's and
// libxml2's global tables live for the whole process.
void init();

}  // namespace raven::message
