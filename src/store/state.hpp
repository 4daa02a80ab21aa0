// raven::store::State — where one message stands in the reply protocol.
//
//   seen ──> answering ──> sending ──> sent ──> done
//     │          │            │
//     └──────────┴────────────┴──> skipped (with a reason) | failed
//
// Back edges exist for retries: answering -> seen (transient LLM failure, wait
// for next_attempt) and sending -> seen (SMTP said 4xx: definitely not sent,
// or answer.on_uncertain: resend). done, skipped and failed are terminal.
// The journal refuses any edge not listed by is_legal_transition().
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace raven::store {

enum class State { seen, answering, sending, sent, done, skipped, failed };

inline constexpr std::array<State, 7> kAllStates = {
    State::seen, State::answering, State::sending, State::sent, State::done, State::skipped, State::failed};

// The lowercase name stored in the database and shown by `raven status`.
std::string_view to_string(State state) noexcept;
std::optional<State> parse_state(std::string_view text) noexcept;

// True for done, skipped and failed.
bool is_terminal(State state) noexcept;
// The edges of the diagram above. Pure; never blocks.
bool is_legal_transition(State from, State to) noexcept;

}  // namespace raven::store
