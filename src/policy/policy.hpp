// raven::policy — should Raven answer this message at all?
//
// Why: what makes people switch a mail robot off is that it answered a
// newsletter, a bounce or another robot and started a loop, or answered a
// stranger (issue 6). So before any LLM call the worker asks decide(), which
// is a pure function of the parsed message, the envelope sender, the settings
// and the allow-list, and always says why: a stable reason code for code and
// the journal, a sentence for people, and the evidence it looked at (what
// `raven check` prints).
//
// This file holds rules 1 to 3 of issue 6:
//  1. loops, after RFC 3834 §2 and at least as strict as Pigeonhole's Sieve
//     vacation: null envelope sender, our own address as sender, mailing-list
//     fields (RFC 2369, RFC 2919), Auto-Submitted (RFC 3834 §5), Precedence,
//     X-Auto-Response-Suppress, system senders, delivery reports (RFC 6522),
//     X-Autoreply/X-Autorespond, X-Loop, a fast reply to one of our own
//     replies (kFastReplyMs below), and "one of our addresses must be a
//     recipient";
//  2. who may ask: every From mailbox and every Reply-To must be allowed;
//  3. authenticity (authentication.hpp): with authentication.require, our
//     border server's Authentication-Results must prove every From domain.
// Rule 4, budgets, is check_budgets() in budget.hpp; the worker runs it after
// decide() (and after its duplicate check); Config::limits holds its settings.
//
// Two rules need the journal, and policy stays pure: the caller looks the
// facts up and passes them in. For rule 1's fast reply that is History (when
// our own replies named in In-Reply-To or References went out); for rule 4,
// budget.hpp's Usage. `raven check` has no journal: it passes no History, and
// the evidence says the fast-reply rule was not checked.
//
// Rule 3 runs after rule 2. Either order keeps a forged From from ever
// reaching the LLM or a tool (both skip); this one gives the more useful
// reason: a stranger is `sender-not-allowed` whether or not the mail was
// authenticated (the fix is the allow-list, not DNS), and
// `not-authenticated` is left to mail that claims an allowed sender and
// cannot prove it — a forgery, or a border server set up wrongly.
//
// Rules run in the order below; the first that matches decides. Reason codes
// never change once released (the journal stores them):
//   empty-envelope-sender, own-address, mailing-list, auto-submitted,
//   precedence-bulk, auto-response-suppress, system-sender, delivery-report,
//   x-autoreply, x-loop, fast-reply, not-addressed, no-sender,
//   sender-not-allowed, reply-to-not-allowed, not-authenticated; then
//   check_budgets(): over-budget-sender, over-budget-thread, over-budget-day,
//   over-budget-tokens; "answer" when none matched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/problem.hpp"
#include "filter/filter.hpp"
#include "message/request.hpp"
#include "policy/authentication.hpp"

namespace raven::policy {

// The budgets of rule 4 (policy.limits). 0 means unlimited. Read and
// validated here; counted in the journal (store), which survives restarts.
struct Limits {
  std::uint32_t replies_per_sender_per_day = 0;  // replies to one From address per day
  std::uint32_t replies_per_thread = 0;          // replies in one thread, ever
  std::uint32_t replies_per_day = 0;             // replies in all per day
  std::uint64_t tokens_per_day = 0;              // LLM tokens (prompt + completion) per day
  // A fixed short text sent, without any LLM call, at most once per sender
  // per day when a message is skipped for a budget; "" sends nothing.
  std::string notice{};

  // True if any budget is set.
  bool limited() const noexcept {
    return replies_per_sender_per_day != 0 || replies_per_thread != 0 || replies_per_day != 0 ||
           tokens_per_day != 0;
  }
};

// Longest Limits::notice, in bytes: a notice, not a letter.
inline constexpr std::size_t kMaxNoticeBytes = 2000;

struct Config {
  // Our own addresses (addr-specs, "raven@example.com"). The config module
  // adds answer.from and the IMAP user before validate(), so this is the
  // complete list. Compared case-insensitively.
  std::vector<std::string> addresses;
  // Sieve vacation's rule: answer only mail that names one of `addresses` in
  // To, Cc, Bcc or Resent-To/Cc/Bcc (RFC 5230 §4.5).
  bool require_addressed = true;
  // Rule 3 (authentication.hpp).
  Authentication authentication;
  // Rule 4's settings.
  Limits limits;

  // Every address must be a plain addr-spec; with require_addressed there
  // must be at least one; authentication.validate(); the notice is at most
  // kMaxNoticeBytes without NUL. Fields are relative to the policy section
  // ("addresses[1]", "authentication.authserv_id", "limits.notice").
  // Never throws.
  Problems validate() const;
};

// Stable reason codes (see the list above).
namespace code {
inline constexpr std::string_view answer = "answer";
inline constexpr std::string_view empty_envelope_sender = "empty-envelope-sender";
inline constexpr std::string_view own_address = "own-address";
inline constexpr std::string_view mailing_list = "mailing-list";
inline constexpr std::string_view auto_submitted = "auto-submitted";
inline constexpr std::string_view precedence_bulk = "precedence-bulk";
inline constexpr std::string_view auto_response_suppress = "auto-response-suppress";
inline constexpr std::string_view system_sender = "system-sender";
inline constexpr std::string_view delivery_report = "delivery-report";
inline constexpr std::string_view x_autoreply = "x-autoreply";
inline constexpr std::string_view x_loop = "x-loop";
inline constexpr std::string_view not_addressed = "not-addressed";
inline constexpr std::string_view no_sender = "no-sender";
inline constexpr std::string_view sender_not_allowed = "sender-not-allowed";
inline constexpr std::string_view reply_to_not_allowed = "reply-to-not-allowed";
inline constexpr std::string_view not_authenticated = "not-authenticated";
inline constexpr std::string_view fast_reply = "fast-reply";
inline constexpr std::string_view over_budget_sender = "over-budget-sender";
inline constexpr std::string_view over_budget_thread = "over-budget-thread";
inline constexpr std::string_view over_budget_day = "over-budget-day";
inline constexpr std::string_view over_budget_tokens = "over-budget-tokens";
}  // namespace code

// The rule a reason code belongs to, for people: "loops (RFC 3834)",
// "who may ask (filter.senders)", "authenticity (policy.authentication)",
// "budgets (policy.limits)", "none" for "answer"; "unknown" for a code not
// listed above.
std::string_view rule_of(std::string_view code) noexcept;

struct Decision {
  enum Verdict { answer, skip };
  Verdict verdict = skip;
  std::string code;      // one of policy::code; "answer" for an answer
  std::string sentence;  // for people: "The message carries List-Id, so it came from a mailing list."
  // What the rules looked at, one "key: value" line each (envelope sender and
  // where it came from, From, the matching header; with
  // authentication.require, once rule 3 ran, "authentication: pass|fail (…)"
  // and the trusted Authentication-Results). Header values only, never the
  // body; each value cut to a few hundred bytes.
  std::vector<std::string> evidence;

  bool answered() const noexcept { return verdict == answer; }
};

std::string_view to_string(Decision::Verdict verdict) noexcept;

// Rule 1's "reply to one of our own Message-IDs sent less than a minute ago
// by an automaton": people do not answer within a minute; automatons do
// (vacation notices that ignore Auto-Submitted, ticket systems, another
// mail robot).
inline constexpr std::int64_t kFastReplyMs = 60'000;

// The Message-IDs this message answers: In-Reply-To, then References,
// without duplicates or empty ones. The caller looks each up in the journal
// (store::Journal::reply_sent_at) to fill History.
std::vector<std::string> answered_ids(const message::Request& request);

// What the journal knows about the message's ancestors that decide() cannot
// read from the message itself.
struct History {
  // False: not looked up (raven check has no journal); the fast-reply rule
  // is not applied and the evidence says so.
  bool looked_up = false;
  // The most recent of our own replies (or over-budget notices) among
  // answered_ids(): its Message-ID, and how long before now it was committed
  // to (journal state sending), in ms of the caller's wall clock; a negative
  // age (the clock went back) counts as fast. Unset: none of them is ours.
  std::optional<std::string> our_reply{};
  std::int64_t our_reply_age_ms = 0;
};

// Decides whether `request` should be answered.
// `envelope_sender`: the SMTP MAIL FROM as delivered ("" is the null sender
// "<>"; "<a@b>" and "a@b" both accepted); nullopt to take it from the first
// (topmost) Return-Path field, and when there is none the rule on the empty
// sender cannot match. `config` must have passed validate(). `history`:
// what the journal says about our replies this message answers (default:
// not looked up). Budgets are not checked here (check_budgets()).
// Pure: CPU only, no I/O, never blocks; borrows its arguments for the call;
// any thread. Never throws (except std::bad_alloc).
Decision decide(const message::Request& request, const std::optional<std::string>& envelope_sender,
                const Config& config, const filter::Filter& allow, const History& history = {});

}  // namespace raven::policy
