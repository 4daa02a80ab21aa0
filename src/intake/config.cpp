#include "intake/config.hpp"

namespace raven::intake {

std::string_view to_string(Mode mode) noexcept { return mode == Mode::idle ? "idle" : "poll"; }

Problems Config::validate() const {
  Problems out;
  if (mode == Mode::poll && poll_interval.count() <= 0) {
    out.push_back({"poll_interval", "is required in poll mode (a positive duration like 1m)"});
  } else if (poll_interval.count() < 0) {
    out.push_back({"poll_interval", "must be a positive duration like 1m"});
  }
  if (idle_refresh.count() <= 0) {
    out.push_back({"idle_refresh", "must be a positive duration like 25m"});
  } else if (idle_refresh > std::chrono::minutes(29)) {
    // RFC 2177 §3: servers may log out a client idle for 30 minutes.
    out.push_back({"idle_refresh", "must be at most 29m (RFC 2177: servers may drop idle clients after 30m)"});
  }
  return out;
}

}  // namespace raven::intake
