// answer: how the answer workers reply (answer::Config). Ranges, keywords and
// "drafts_mailbox is required in draft mode" are answer::Config::validate()'s
// checks; that answer.from is one mailbox is checked here, with the parser the
// reply composer uses, so a From that loads always composes.
#include <limits>

#include "common/text.hpp"
#include "config/sections.hpp"
#include "message/address.hpp"

namespace raven::config::detail {

void read_answer(MapReader& yaml, Config& config) {
  answer::Config& c = config.answer.emplace();
  yaml.get("workers", c.workers, 1, 64);
  yaml.get("queue", c.queue, 1, 100000);
  if (yaml.get("from", c.from) && !c.from.empty() && !has_line_break_or_nul(c.from) &&
      !message::parse_address(c.from)) {
    yaml.context().report.add(yaml.path_of("from"), yaml.line_of("from"),
                              "must be one mailbox, like \"Raven <raven@example.com>\" or raven@example.com");
  }
  yaml.get_choice("mode", c.mode, {{"send", answer::Mode::send}, {"draft", answer::Mode::draft}});
  yaml.get("sent_mailbox", c.sent_mailbox);
  yaml.get("drafts_mailbox", c.drafts_mailbox);
  yaml.get("quote_original", c.quote_original);
  yaml.get_bytes("max_text", c.max_text, "64KiB");
  yaml.get_duration("retry_initial", c.retry_initial, "1m");
  yaml.get_duration("retry_max", c.retry_max, "1h");
  yaml.get("max_attempts", c.max_attempts, 1, std::numeric_limits<unsigned>::max());
  yaml.get_choice("on_uncertain", c.on_uncertain,
                  {{"skip", answer::OnUncertain::skip}, {"resend", answer::OnUncertain::resend}});
  yaml.get("failed_keyword", c.failed_keyword);
  yaml.get("skipped_keyword", c.skipped_keyword);
  yaml.get_duration("shutdown_timeout", c.shutdown_timeout, "30s");
}

}  // namespace raven::config::detail
