// Worker: what the policy needs from the journal, and what the budgets count.
// policy::decide() and policy::check_budgets() are pure; this file looks the
// facts up (when our replies went out, the day's usage) and records what a
// message costs (who asked, in which thread, the LLM's tokens), so that the
// budgets survive restarts and hold for every process sharing the journal.
//
// The check and the count are not one transaction: workers (or processes)
// answering the same sender at the same moment may each pass the check, so a
// budget can be overshot by up to one message per worker, and the token
// budget by the conversations in flight when it was reached.
#include <algorithm>
#include <limits>

#include "answer/user_turn.hpp"
#include "answer/worker.hpp"
#include "policy/budget.hpp"

namespace raven::answer {

// For rule 1's fast reply: the newest of our own replies (or notices) that
// this message names in In-Reply-To or References.
policy::History Worker::history_of(const message::Request& request, std::int64_t now_ms) {
  policy::History history;
  history.looked_up = true;
  std::optional<std::int64_t> newest;
  for (const std::string& id : policy::answered_ids(request)) {
    const std::optional<std::int64_t> at = deps_.journal.reply_sent_at(id);
    if (at && (!newest || *at > *newest)) {
      newest = at;
      history.our_reply = id;
    }
  }
  if (newest) history.our_reply_age_ms = now_ms - *newest;
  return history;
}

// Checks the budgets (rule 4). nullopt: within budget, go on. The origin
// (origin_) is journaled with the row whatever the limits, so that limits set
// later count what came before: by begin_answering, or by record_if_new().
std::optional<Outcome> Worker::within_budget(imap::Uid uid, const message::Request& request,
                                             std::int64_t now_ms, std::stop_token abort) {
  if (deps_.policy == nullptr || !deps_.policy->limits.limited()) return std::nullopt;
  const store::Usage used =
      deps_.journal.usage(origin_.sender, origin_.thread, policy::utc_day_start_ms(now_ms));
  const policy::Decision decision = policy::check_budgets(
      deps_.policy->limits,
      {used.replies_by_sender, used.replies_in_thread, used.replies_total, used.tokens});
  if (decision.answered()) return std::nullopt;
  return over_budget(uid, request, decision, now_ms, abort);
}

// llm::converse with every request's tokens counted, also when the
// conversation fails half-way (the tokens were spent all the same).
llm::Conversation Worker::ask_llm(imap::Uid uid, const message::Request& request, std::stop_token abort) {
  std::uint64_t spent = 0;
  const llm::Complete complete = [this, &spent](const llm::ChatRequest& r, std::stop_token stop) {
    llm::ChatResponse response = llm_.complete(r, std::move(stop));
    spent += response.usage.total_tokens;
    return response;
  };
  llm::ToolLoopOptions options;
  options.max_rounds = llm_.config().max_tool_rounds;
  try {
    llm::Conversation conversation =
        llm::converse(complete, llm::make_request(llm_.config(), render_user_turn(request)),
                      tools_for(request), options, log_.with({{"uid", uid}}), abort);
    uncounted_tokens_ = spent;  // begin_sending journals them
    return conversation;
  } catch (...) {
    count_tokens(uid, spent);
    throw;
  }
}

// A journal error here must not fail the message (a retry would spend the
// tokens again): the day's count is short instead, and the log says so.
void Worker::count_tokens(imap::Uid uid, std::uint64_t tokens) {
  if (tokens == 0 || !key_) return;
  try {
    record_if_new();
    deps_.journal.add_tokens(*key_, clamp_tokens(tokens));
  } catch (const Error& e) {
    log_.warn("tokens not counted", {{"uid", uid},
                                     {"tokens", tokens},
                                     {"error", e.what()},
                                     {"next", "the day's token count is short by these"}});
  }
}

// A message parsed but not journaled yet gets its row (state seen, with its
// origin) before it ends any other way than through begin_answering.
void Worker::record_if_new() {
  if (!unrecorded_ || !key_) return;
  deps_.journal.record_seen(*key_, *unrecorded_, origin_);
  unrecorded_.reset();
}

std::int64_t clamp_tokens(std::uint64_t tokens) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(tokens, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
}

}  // namespace raven::answer
