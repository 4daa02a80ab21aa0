#include "store/state.hpp"

namespace raven::store {

std::string_view to_string(State state) noexcept {
  switch (state) {
    case State::seen: return "seen";
    case State::answering: return "answering";
    case State::sending: return "sending";
    case State::sent: return "sent";
    case State::done: return "done";
    case State::skipped: return "skipped";
    case State::failed: return "failed";
  }
  return "unknown";
}

std::optional<State> parse_state(std::string_view text) noexcept {
  for (State s : kAllStates) {
    if (to_string(s) == text) {
      return s;
    }
  }
  return std::nullopt;
}

bool is_terminal(State state) noexcept {
  return state == State::done || state == State::skipped || state == State::failed;
}

bool is_legal_transition(State from, State to) noexcept {
  switch (from) {
    case State::seen:
      // seen -> sending is allowed for a resend that reuses a stored answer.
      return to == State::answering || to == State::sending || to == State::skipped || to == State::failed;
    case State::answering:
      return to == State::seen || to == State::sending || to == State::skipped || to == State::failed;
    case State::sending:
      // skipped: outcome unknown after a crash under on_uncertain: skip;
      // seen: SMTP 4xx (not sent) or on_uncertain: resend; failed: SMTP 5xx.
      return to == State::sent || to == State::seen || to == State::skipped || to == State::failed;
    case State::sent: return to == State::done;
    case State::done:
    case State::skipped:
    case State::failed: return false;
  }
  return false;
}

}  // namespace raven::store
