// raven::policy budgets — rule 4 of issue 6: has this sender, this thread or
// Raven as a whole had enough replies, or the LLM enough tokens, today?
//
// Why: after loops, what makes people switch a mail robot off is the bill:
// one chatty thread or one scripted sender burning the month's API budget.
// So budgets are checked before any LLM call, like rules 1 to 3, and a skip
// names the limit and the count.
//
// Pure, like decide(): the caller (the answer worker) counts in the journal
// (store::Journal::usage, which survives restarts and is shared by every
// process on the same file) and passes the counts in. This file says whom a
// message counts for (sender_key, thread_key, the UTC day) and whether a
// count has reached its limit. policy does not link the store (raven check
// uses policy without a journal), so Usage mirrors store::Usage.
//
// What the journal counts: a message counts as a reply from the moment a
// reply to it was committed to (journal state `sending`), whatever happened
// after, so a reply that may have gone out counts; an over-budget notice is
// sent the same way and counts too. Tokens are the LLM's total_tokens
// (prompt + completion) of every request of a message, tool rounds
// included. "Per day" is since 00:00 UTC; the thread count is over all time.
//
// The checks run in this order; the first limit reached decides:
//   over-budget-sender, over-budget-thread, over-budget-day, over-budget-tokens.
#pragma once

#include <cstdint>
#include <string>

#include "message/request.hpp"
#include "policy/policy.hpp"

namespace raven::policy {

// What the journal counted for one message (see store::Usage).
struct Usage {
  std::int64_t replies_by_sender = 0;  // replies to this sender today
  std::int64_t replies_in_thread = 0;  // replies in this thread, ever
  std::int64_t replies_total = 0;      // replies to anyone today
  std::int64_t tokens = 0;             // LLM tokens spent today
};

// Whom a message counts for: its From addr-spec, lower-case ("" if none).
std::string sender_key(const message::Request& request);

// The thread a message belongs to: the root (first) Message-ID of
// References, else In-Reply-To, else the message's own Message-ID; "" if it
// has none of them (then it counts for no thread).
std::string thread_key(const message::Request& request);

// Days since the Unix epoch in UTC, and the Unix milliseconds at the start
// of that day, for `unix_ms` (floor, also before 1970).
std::int64_t utc_day(std::int64_t unix_ms) noexcept;
std::int64_t utc_day_start_ms(std::int64_t unix_ms) noexcept;

// Rule 4: skip with the first over-budget code whose limit (non-zero) the
// count has reached; otherwise answer. The sentence names the limit and the
// count; the evidence has one line per budget that is set.
// Pure; never throws (except std::bad_alloc).
Decision check_budgets(const Limits& limits, const Usage& usage);

}  // namespace raven::policy
