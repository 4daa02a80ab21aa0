// imap: how to reach and log in to the server (imap::Config).
#include "config/sections.hpp"

namespace raven::config::detail {

void read_imap(MapReader& yaml, Config& config) {
  imap::Config& c = config.imap;
  yaml.get("host", c.host);
  yaml.get("port", c.port, 1, 65535);  // 0 in imap::Config means "the default for tls"
  yaml.get_choice(
      "tls", c.tls,
      {{"implicit", imap::Tls::implicit}, {"starttls", imap::Tls::starttls}, {"none", imap::Tls::none}});
  yaml.get_path("ca_file", c.ca_file);
  yaml.get("pinned_sha256", c.pinned_sha256);
  yaml.get("username", c.username);
  read_secret(yaml, kPasswordKeys, Need::required, c.password);
  yaml.get("mailbox", c.mailbox);
  yaml.get_duration("connect_timeout", c.connect_timeout, "30s");
  yaml.get_duration("command_timeout", c.command_timeout, "60s");
}

}  // namespace raven::config::detail
