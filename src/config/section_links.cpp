// Rules between sections (link_sections), run once every section is read and
// before any module's validate(), so that validate() sees the final values.
#include "common/text.hpp"
#include "config/sections.hpp"
#include "message/address.hpp"

namespace raven::config::detail {

void link_sections(Config& config, Report& report) {
  // Replies in send mode go out by SMTP. An unreadable answer.mode was
  // reported already, and a non-mapping smtp: too.
  if (config.answer && config.answer->mode == answer::Mode::send && !config.smtp &&
      !report.covers("answer.mode") && !report.covers("smtp")) {
    report.add("smtp", 0, "section is required when answer.mode is send");
  }

  // MAIL FROM defaults to the address in the From header. A missing or bad
  // answer.from is reported there; smtp.envelope_from then stays quiet.
  if (config.smtp && config.answer && config.smtp->envelope_from.empty() &&
      !report.covers("smtp.envelope_from")) {
    auto from = message::parse_address(config.answer->from);
    if (from && !report.covers("answer.from"))
      config.smtp->envelope_from = from->address;
    else
      report.cover("smtp.envelope_from");
  }

  // Our own addresses for the loop rules: the reply's From and the mailbox
  // we log in to, added after the ones the file lists (so that the indices
  // of validate()'s problems still match the file). A bad answer.from was
  // reported there; an IMAP user that is not an address ("raven") is no
  // address of ours.
  const auto add_own = [&](std::string_view address) {
    if (!message::is_plain_addr_spec(address)) return;
    for (const std::string& known : config.policy.addresses) {
      if (ascii_lower(known) == ascii_lower(address)) return;
    }
    config.policy.addresses.emplace_back(address);
  };
  if (config.answer && !report.covers("answer.from")) {
    if (auto from = message::parse_address(config.answer->from)) add_own(from->address);
  }
  if (!report.covers("imap.username")) add_own(config.imap.username);

  // The journal is state, not configuration: its default follows XDG.
  if (config.state.path.empty() && !report.covers("state.path")) config.state.path = store::default_state_path();
}

}  // namespace raven::config::detail
