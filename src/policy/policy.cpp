#include "policy/policy.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

#include "common/text.hpp"
#include "message/address.hpp"
#include "policy/address_list.hpp"
#include "policy/header_value.hpp"

namespace raven::policy {
namespace {

using detail::same_address;

// Evidence shows header values, which come from outside: keep each short.
constexpr std::size_t kMaxEvidenceValue = 200;

std::string cut(std::string_view value) {
  if (value.size() <= kMaxEvidenceValue) return std::string(value);
  std::size_t n = kMaxEvidenceValue;
  // Do not split a UTF-8 sequence (values are valid UTF-8, Request guarantees it).
  while (n > 0 && (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80) --n;
  return std::string(value.substr(0, n)) + "…";
}

std::string show(std::string_view address) {
  return "<" + cut(address) + ">";
}

// Collects evidence as the rules run, and makes the final Decision.
class Verdicts {
 public:
  void note(std::string line) { evidence_.push_back(std::move(line)); }

  Decision skip(std::string_view code, std::string sentence, std::string line = {}) {
    if (!line.empty()) note(std::move(line));
    return Decision{Decision::skip, std::string(code), std::move(sentence), std::move(evidence_)};
  }
  Decision answer() {
    return Decision{Decision::answer, std::string(code::answer),
                    "No loop, sender or authenticity rule matched, so the message may be answered.",
                    std::move(evidence_)};
  }

 private:
  std::vector<std::string> evidence_;
};

std::optional<std::string> resolve_envelope(const message::Request& request,
                                            const std::optional<std::string>& given, Verdicts& v) {
  if (given) {
    if (trim(*given).empty()) {
      v.note("envelope sender: <> (given)");
      return std::string();
    }
    std::string sender = detail::return_path_address(*given).value_or(std::string(trim(*given)));
    v.note("envelope sender: " + show(sender) + " (given)");
    return sender;
  }
  if (const std::string* rp = request.header("Return-Path")) {
    if (auto sender = detail::return_path_address(*rp)) {
      v.note("envelope sender: " + show(*sender) + " (Return-Path)");
      return sender;
    }
    v.note("envelope sender: unknown (Return-Path unreadable: " + cut(*rp) + ")");
    return std::nullopt;
  }
  v.note("envelope sender: unknown (no Return-Path)");
  return std::nullopt;
}

bool is_ours(const Config& config, std::string_view address) {
  for (const std::string& own : config.addresses) {
    if (same_address(own, address)) return true;
  }
  return false;
}

template <typename F>
void for_each_value(const message::Request& request, std::string_view name, F&& f) {
  auto [first, last] = request.headers.equal_range(name);
  for (auto it = first; it != last; ++it) f(it->first, it->second);
}

// The first header among `names` that is present, as "Name: value".
std::optional<std::string> first_present(const message::Request& request,
                                         std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    auto it = request.headers.find(name);
    if (it != request.headers.end()) return it->first + ": " + cut(it->second);
  }
  return std::nullopt;
}

std::vector<std::string> split_local(std::string_view local) {
  std::vector<std::string> tokens(1);
  for (char c : local) {
    if (c == '-' || c == '.' || c == '_') {
      tokens.emplace_back();
    } else {
      tokens.back() += c;
    }
  }
  return tokens;
}

// Pigeonhole's list (MAILER-DAEMON, LISTSERV, majordomo, owner-*, *-request)
// plus postmaster (RFC 5321 §4.5.1), the usual no-reply spellings and bounce
// handlers (VERP "bounces-…", Mailman "list-bounces+…").
bool is_system_local(const std::string& local) {
  static constexpr std::array<std::string_view, 7> exact = {
      "mailer-daemon", "mailer_daemon", "mailerdaemon", "listserv", "majordomo", "postmaster", "mdaemon"};
  for (std::string_view e : exact) {
    if (local == e) return true;
  }
  if (local.size() > 6 && local.starts_with("owner-")) return true;
  if (local.size() > 8 && local.ends_with("-request")) return true;
  const std::vector<std::string> t = split_local(local);
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == "noreply" || t[i] == "donotreply" || t[i] == "bounce" || t[i] == "bounces") return true;
    if (t[i] == "no" && i + 1 < t.size() && t[i + 1] == "reply") return true;
    if (t[i] == "do" && i + 2 < t.size() && t[i + 1] == "not" && t[i + 2] == "reply") return true;
  }
  return false;
}

// Every recipient address in To, Cc, Bcc and Resent-To/Cc/Bcc (all fields of
// each name), parsed from the raw values; plus what parse_message() found.
std::optional<std::string> addressed_as(const message::Request& request, const Config& config,
                                        std::size_t& seen) {
  for (const auto* list : {&request.to, &request.cc}) {
    for (const message::Address& a : *list) {
      ++seen;
      if (is_ours(config, a.address)) return a.address;
    }
  }
  std::optional<std::string> found;
  for (std::string_view name : {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"}) {
    for_each_value(request, name, [&](const std::string& field, const std::string& value) {
      if (found) return;
      for (const std::string& a : detail::parse_address_list(value)) {
        ++seen;
        if (is_ours(config, a)) {
          found = field + " " + show(a);
          return;
        }
      }
    });
    if (found) return found;
  }
  return std::nullopt;
}

// "12 s", "3 min 20 s": how long ago our reply went out, for the evidence.
std::string age_text(std::int64_t ms) {
  if (ms < 0) return "in the future by our clock (it went back)";
  const std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + " s ago";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s ago";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min ago";
}

}  // namespace

std::vector<std::string> answered_ids(const message::Request& request) {
  std::vector<std::string> ids;
  auto add = [&](const std::string& id) {
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(request.in_reply_to);
  for (const std::string& id : request.references) add(id);
  return ids;
}

Problems Config::validate() const {
  Problems problems;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (!message::is_plain_addr_spec(addresses[i])) {
      problems.push_back(
          {"addresses[" + std::to_string(i) + "]", "must be a plain address such as raven@example.com"});
    }
  }
  if (require_addressed && addresses.empty()) {
    problems.push_back(
        {"addresses", "must name at least one of our addresses when require_addressed is true"});
  }
  for (Problem& p : authentication.validate()) {
    problems.push_back({"authentication." + p.field, std::move(p.message)});
  }
  if (limits.notice.size() > kMaxNoticeBytes) {
    problems.push_back({"limits.notice", "must be at most " + std::to_string(kMaxNoticeBytes) +
                                             " bytes: a short fixed notice, not a letter"});
  }
  if (limits.notice.find('\0') != std::string::npos) {
    problems.push_back({"limits.notice", "must not contain NUL"});
  }
  return problems;
}

std::string_view rule_of(std::string_view c) noexcept {
  if (c == code::answer) return "none";
  for (std::string_view loop :
       {code::empty_envelope_sender, code::own_address, code::mailing_list, code::auto_submitted,
        code::precedence_bulk, code::auto_response_suppress, code::system_sender, code::delivery_report,
        code::x_autoreply, code::x_loop, code::fast_reply, code::not_addressed}) {
    if (c == loop) return "loops (RFC 3834)";
  }
  for (std::string_view budget : {code::over_budget_sender, code::over_budget_thread, code::over_budget_day,
                                  code::over_budget_tokens}) {
    if (c == budget) return "budgets (policy.limits)";
  }
  if (c == code::no_sender || c == code::sender_not_allowed || c == code::reply_to_not_allowed) {
    return "who may ask (filter.senders)";
  }
  if (c == code::not_authenticated) return "authenticity (policy.authentication)";
  return "unknown";
}

std::string_view to_string(Decision::Verdict verdict) noexcept {
  return verdict == Decision::answer ? "answer" : "skip";
}

Decision decide(const message::Request& request, const std::optional<std::string>& envelope_sender,
                const Config& config, const filter::Filter& allow, const History& history) {
  Verdicts v;
  const std::optional<std::string> sender = resolve_envelope(request, envelope_sender, v);
  for (const message::Address& a : request.from_all) v.note("From: " + show(a.address));
  if (request.from_all.empty()) v.note("From: none");
  for (const message::Address& a : request.reply_to) v.note("Reply-To: " + show(a.address));
  if (request.header_truncated) v.note("note: header block truncated; only its first fields were checked");

  // Rule 1: loops (RFC 3834 §2).
  if (sender && sender->empty()) {
    return v.skip(code::empty_envelope_sender,
                  "The envelope sender is empty (<>), which marks a bounce or another automatic message "
                  "(RFC 3834 §2).");
  }

  if (sender && is_ours(config, *sender)) {
    return v.skip(code::own_address, "The envelope sender is one of our own addresses.",
                  "matched: envelope sender " + show(*sender));
  }
  for (const message::Address& a : request.from_all) {
    if (is_ours(config, a.address)) {
      return v.skip(code::own_address, "The message is from one of our own addresses.",
                    "matched: From " + show(a.address));
    }
  }
  for (const message::Address& a : request.reply_to) {
    if (is_ours(config, a.address)) {
      return v.skip(code::own_address,
                    "Reply-To names one of our own addresses, so we would answer ourselves.",
                    "matched: Reply-To " + show(a.address));
    }
  }

  // RFC 2369 and RFC 2919 list fields: any of them means list traffic.
  if (auto field = first_present(request, {"List-Id", "List-Post", "List-Unsubscribe", "List-Help",
                                           "List-Owner", "List-Subscribe", "List-Archive"})) {
    return v.skip(code::mailing_list, "The message came through a mailing list.", "matched: " + *field);
  }

  // RFC 3834 §5: only "no" marks a message a person sent.
  std::optional<std::string> hit;
  for_each_value(request, "Auto-Submitted", [&](const std::string& name, const std::string& value) {
    if (!hit && detail::first_keyword(value) != "no") hit = name + ": " + cut(value);
  });
  if (hit) {
    return v.skip(code::auto_submitted, "The message says it was sent automatically (Auto-Submitted).",
                  "matched: " + *hit);
  }

  for_each_value(request, "Precedence", [&](const std::string& name, const std::string& value) {
    const std::string k = detail::first_keyword(value);
    if (!hit && (k == "bulk" || k == "list" || k == "junk")) hit = name + ": " + cut(value);
  });
  if (hit) {
    return v.skip(code::precedence_bulk, "The message is marked as bulk, list or junk mail (Precedence).",
                  "matched: " + *hit);
  }

  // Microsoft's [MS-OXCMAIL] §2.2.3.2.14: All, OOF and AutoReply ask for no automatic reply.
  for_each_value(request, "X-Auto-Response-Suppress", [&](const std::string& name, const std::string& value) {
    for (const std::string& k : detail::keyword_list(value)) {
      if (!hit && (k == "all" || k == "oof" || k == "autoreply")) hit = name + ": " + cut(value);
    }
  });
  if (hit) {
    return v.skip(code::auto_response_suppress,
                  "The sender asked for no automatic replies (X-Auto-Response-Suppress).",
                  "matched: " + *hit);
  }

  if (sender && is_system_local(detail::local_part(*sender))) {
    return v.skip(code::system_sender,
                  "The envelope sender is a system address (bounce handler, list robot, no-reply).",
                  "matched: envelope sender " + show(*sender));
  }
  for (const message::Address& a : request.from_all) {
    if (is_system_local(detail::local_part(a.address))) {
      return v.skip(code::system_sender,
                    "The sender is a system address (bounce handler, list robot, no-reply).",
                    "matched: From " + show(a.address));
    }
  }

  // RFC 6522 reports: delivery status notifications (RFC 3464) and read receipts (RFC 8098).
  if (request.content_type == "multipart/report" || request.content_type == "message/delivery-status" ||
      request.content_type == "message/disposition-notification") {
    return v.skip(code::delivery_report, "The message is a delivery report or read receipt.",
                  "matched: Content-Type: " + cut(request.content_type));
  }

  if (auto field = first_present(request, {"X-Autoreply", "X-Autorespond"})) {
    return v.skip(code::x_autoreply, "The message is an automatic reply.", "matched: " + *field);
  }

  for_each_value(request, "X-Loop", [&](const std::string& name, const std::string& value) {
    if (hit) return;
    for (const std::string& a : detail::parse_address_list(value)) {
      if (is_ours(config, a)) hit = name + ": " + cut(value);
    }
    // A bare token GMime does not take as a mailbox still counts when it is ours.
    if (!hit && is_ours(config, detail::strip_comments(value))) hit = name + ": " + cut(value);
  });
  if (hit) {
    return v.skip(code::x_loop, "The message has already passed through Raven (X-Loop).", "matched: " + *hit);
  }

  // A reply to our own reply within a minute: an automaton (see kFastReplyMs).
  if (!history.looked_up) {
    if (!answered_ids(request).empty()) v.note("fast reply: not checked (it depends on the journal)");
  } else if (history.our_reply) {
    const std::string line =
        "answers our reply " + show(*history.our_reply) + ", sent " + age_text(history.our_reply_age_ms);
    if (history.our_reply_age_ms < kFastReplyMs) {
      return v.skip(code::fast_reply,
                    "The message answers one of our own replies less than a minute after it was sent; people "
                    "do not answer that fast, automatons do.",
                    "matched: " + line);
    }
    v.note(line);
  }

  if (config.require_addressed) {
    std::size_t seen = 0;
    if (auto as = addressed_as(request, config, seen)) {
      v.note("addressed: " + *as);
    } else {
      return v.skip(code::not_addressed,
                    "None of our addresses is in To, Cc, Bcc or Resent-To/Cc/Bcc, so the message was not "
                    "addressed to us (a list, a Bcc to someone else, a forward).",
                    "recipients checked: " + std::to_string(seen));
    }
  }

  // Rule 2: who may ask.
  if (request.from_all.empty()) {
    return v.skip(code::no_sender, "The message has no From address, so there is nobody to answer.");
  }
  for (const message::Address& a : request.from_all) {
    if (!allow.allows(a.address)) {
      return v.skip(code::sender_not_allowed, "The sender is not on the allow-list (filter.senders).",
                    "not allowed: From " + show(a.address));
    }
  }
  for (const message::Address& a : request.reply_to) {
    if (!allow.allows(a.address)) {
      return v.skip(code::reply_to_not_allowed,
                    "Reply-To names an address not on the allow-list; a reply must never go to a stranger.",
                    "not allowed: Reply-To " + show(a.address));
    }
  }

  // Rule 3: authenticity. After rule 2 (see policy.hpp): a forged From is
  // skipped either way, and a stranger is reported as not allowed.
  if (config.authentication.require) {
    AuthVerdict auth = authenticate(request, config.authentication);
    for (std::string& line : auth.evidence) v.note(std::move(line));
    if (!auth.pass) return v.skip(code::not_authenticated, std::move(auth.sentence));
  }
  return v.answer();
}

}  // namespace raven::policy
