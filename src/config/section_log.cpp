// log: level and line format (log::Config; nothing further to validate).
#include "config/sections.hpp"

namespace raven::config::detail {

void read_log(MapReader& yaml, Config& config) {
  log::Config& c = config.log;
  yaml.get_choice("level", c.level,
                  {{"debug", log::Level::debug},
                   {"info", log::Level::info},
                   {"warn", log::Level::warn},
                   {"error", log::Level::error}});
  yaml.get_choice("format", c.format, {{"text", log::Format::text}, {"json", log::Format::json}});
}

}  // namespace raven::config::detail
