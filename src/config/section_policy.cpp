// policy: which messages Raven answers at all (policy::Config, issue 6): our
// own addresses, "must be addressed to us", sender authentication, and the
// budgets (limits:), which are read and checked here and counted by the
// journal. link_sections() adds answer.from's address and the IMAP user to
// `addresses`, so the file need only list the others.
#include "config/sections.hpp"

namespace raven::config::detail {
namespace {

// Far above any sensible budget; a guard against a misplaced digit.
constexpr long long kMaxReplies = 1'000'000;
constexpr long long kMaxTokens = 1'000'000'000'000;

}  // namespace

void read_policy(MapReader& yaml, Config& config) {
  policy::Config& c = config.policy;
  yaml.get("addresses", c.addresses);
  yaml.get("require_addressed", c.require_addressed);
  if (auto auth = yaml.map("authentication")) {
    auth->get("require", c.authentication.require);
    auth->get("authserv_id", c.authentication.authserv_id);
    auth->finish();
  }
  if (auto limits = yaml.map("limits")) {
    policy::Limits& l = c.limits;
    limits->get("replies_per_sender_per_day", l.replies_per_sender_per_day, 0, kMaxReplies);
    limits->get("replies_per_thread", l.replies_per_thread, 0, kMaxReplies);
    limits->get("replies_per_day", l.replies_per_day, 0, kMaxReplies);
    limits->get("tokens_per_day", l.tokens_per_day, 0, kMaxTokens);
    limits->get("notice", l.notice);
    limits->finish();
  }
}

}  // namespace raven::config::detail
