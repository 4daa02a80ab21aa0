// smtp: the submission server replies are sent through (smtp::Config).
// Like imap, except that the password is optional: without a username there
// is no AUTH (smtp::Config::validate() reports a username without a password,
// and the reverse). envelope_from's default comes from answer.from
// (link_sections()).
#include "config/sections.hpp"

namespace raven::config::detail {

void read_smtp(MapReader& yaml, Config& config) {
  smtp::Config& c = config.smtp.emplace();
  yaml.get("host", c.host);
  yaml.get("port", c.port, 1, 65535);  // 0 in smtp::Config means "the default for tls"
  yaml.get_choice(
      "tls", c.tls,
      {{"implicit", smtp::Tls::implicit}, {"starttls", smtp::Tls::starttls}, {"none", smtp::Tls::none}});
  yaml.get_path("ca_file", c.ca_file);
  yaml.get("username", c.username);
  read_secret(yaml, kPasswordKeys, Need::optional, c.password);
  yaml.get("envelope_from", c.envelope_from);
  yaml.get_duration("connect_timeout", c.connect_timeout, "30s");
  yaml.get_duration("timeout", c.timeout, "2m");
}

}  // namespace raven::config::detail
