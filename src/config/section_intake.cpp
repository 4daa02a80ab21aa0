// intake: IDLE or poll (intake::Config). "Required in poll mode" and the
// RFC 2177 ceiling on idle_refresh are intake::Config::validate()'s checks.
#include "config/sections.hpp"

namespace raven::config::detail {

void read_intake(MapReader& yaml, Config& config) {
  intake::Config& c = config.intake;
  yaml.get_choice("mode", c.mode, {{"idle", intake::Mode::idle}, {"poll", intake::Mode::poll}});
  yaml.get_duration("poll_interval", c.poll_interval, "1m");
  yaml.get_duration("idle_refresh", c.idle_refresh, "25m");
}

}  // namespace raven::config::detail
