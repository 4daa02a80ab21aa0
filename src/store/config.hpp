// raven::store::Config — where the journal lives and how long to wait for it.
//
// `state.path` in the YAML. The default follows the XDG Base Directory spec:
// the journal is state (it must survive restarts, but is not configuration
// and not a cache), so it goes under $XDG_STATE_HOME.
#pragma once

#include <chrono>
#include <string>

#include "common/problem.hpp"

namespace raven::store {

struct Config {
  // The SQLite file. Empty by default: the config module fills in
  // default_state_path() when `state.path` is absent, so tests never touch
  // the user's real journal by accident.
  std::string path;
  // How long a write waits for another process holding the database lock
  // (sqlite3_busy_timeout) before failing with a transient Error.
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(5)};

  // Reports an empty path or a busy_timeout outside 0..INT_MAX ms.
  [[nodiscard]] Problems validate() const;
};

// $XDG_STATE_HOME/raven/journal.db when XDG_STATE_HOME is set to an absolute
// path (the spec says relative values are to be ignored), else
// $HOME/.local/state/raven/journal.db; empty if neither variable is usable
// (validate() then reports the empty path). Reads the environment; never
// blocks; call it from the main thread (getenv is not safe against setenv).
std::string default_state_path();

}  // namespace raven::store
