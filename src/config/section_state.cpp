// state: where the journal lives (store::Config). A relative path is resolved
// against the config file's directory; when the section or its path is
// absent, link_sections() fills in store::default_state_path().
#include "config/sections.hpp"

namespace raven::config::detail {

void read_state(MapReader& yaml, Config& config) {
  store::Config& c = config.state;
  yaml.get_path("path", c.path);
  yaml.get_duration("busy_timeout", c.busy_timeout, "5s");
}

}  // namespace raven::config::detail
