#include "policy/budget.hpp"

#include <string_view>

#include "common/text.hpp"

namespace raven::policy {
namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

struct Budget {
  std::string_view code;
  std::uint64_t limit;  // 0: unlimited
  std::int64_t count;
  std::string_view key;   // policy.limits.<key>
  std::string_view what;  // "replies to this sender today (UTC)"
};

std::string count_line(const Budget& b) {
  return std::string(b.key) + ": " + std::to_string(b.count) + " of " + std::to_string(b.limit) + " " +
         std::string(b.what);
}

// "1 reply", "3 replies".
std::string counted(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string sender_key(const message::Request& request) {
  return ascii_lower(request.from.address);
}

std::string thread_key(const message::Request& request) {
  if (!request.references.empty() && !request.references.front().empty()) return request.references.front();
  if (!request.in_reply_to.empty()) return request.in_reply_to;
  return request.message_id;
}

std::int64_t utc_day(std::int64_t unix_ms) noexcept {
  // Floor division: -1 ms is the last millisecond of day -1, not of day 0.
  return unix_ms >= 0 ? unix_ms / kDayMs : -((-unix_ms + kDayMs - 1) / kDayMs);
}

std::int64_t utc_day_start_ms(std::int64_t unix_ms) noexcept {
  return utc_day(unix_ms) * kDayMs;
}

Decision check_budgets(const Limits& limits, const Usage& usage) {
  const Budget budgets[] = {
      {code::over_budget_sender, limits.replies_per_sender_per_day, usage.replies_by_sender,
       "replies_per_sender_per_day", "replies to this sender today (UTC)"},
      {code::over_budget_thread, limits.replies_per_thread, usage.replies_in_thread, "replies_per_thread",
       "replies in this thread"},
      {code::over_budget_day, limits.replies_per_day, usage.replies_total, "replies_per_day",
       "replies today (UTC)"},
      {code::over_budget_tokens, limits.tokens_per_day, usage.tokens, "tokens_per_day",
       "LLM tokens today (UTC)"},
  };
  std::vector<std::string> evidence;
  for (const Budget& b : budgets) {
    if (b.limit != 0) evidence.push_back(count_line(b));
  }
  for (const Budget& b : budgets) {
    if (b.limit == 0 || b.count < 0 || static_cast<std::uint64_t>(b.count) < b.limit) continue;
    const std::string replies = counted(b.count, "reply", "replies");
    const std::string allows =
        "; policy.limits." + std::string(b.key) + " allows " + std::to_string(b.limit) + ".";
    std::string sentence;
    if (b.code == code::over_budget_sender) {
      sentence = "Raven has already sent " + replies + " to this sender today (UTC)" + allows;
    } else if (b.code == code::over_budget_thread) {
      sentence = "Raven has already sent " + replies + " in this thread" + allows;
    } else if (b.code == code::over_budget_day) {
      sentence = "Raven has already sent " + replies + " today (UTC)" + allows;
    } else {
      sentence = "The LLM has already used " + counted(b.count, "token", "tokens") + " today (UTC)" + allows;
    }
    return Decision{Decision::skip, std::string(b.code), std::move(sentence), std::move(evidence)};
  }
  return Decision{Decision::answer, std::string(code::answer), "Every budget (policy.limits) has room left.",
                  std::move(evidence)};
}

}  // namespace raven::policy
