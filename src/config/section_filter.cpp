// filter: the sender allow-list and the server-side pre-filter
// (filter::Config, which rejects CR/LF/NUL and malformed entries).
#include "config/sections.hpp"

namespace raven::config::detail {

void read_filter(MapReader& yaml, Config& config) {
  filter::Config& c = config.filter;
  yaml.get("senders", c.senders);
  yaml.get("subject", c.subject);
}

}  // namespace raven::config::detail
