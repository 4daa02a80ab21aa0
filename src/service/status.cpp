#include "service/status.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/text.hpp"
#include "store/journal.hpp"

namespace raven::service {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kFailuresShown = 10;
// Uncertain rows are rare (a crash during SMTP leaves at most one per
// worker); more than this means something else is wrong.
constexpr std::size_t kUncertainLimit = 100;
// Retries pile up while the LLM or SMTP server is down; past this many the
// text stops listing them (--json always lists all).
constexpr std::size_t kRetriesShown = 20;

// Text layout: entries indented by 2, their fields by 4, values after a
// 12-column label, wrapped to 80 columns.
constexpr std::size_t kWidth = 80;
constexpr std::string_view kFieldIndent = "    ";
constexpr std::size_t kLabelWidth = 12;

// Everything status shows, read in one go so that printing cannot fail half-way.
struct Snapshot {
  bool exists = false;
  std::map<store::State, std::int64_t> counts;
  std::vector<store::Record> retries;
  std::vector<store::Record> failures;
  std::vector<store::Record> uncertain;
  bool more_uncertain = false;  // there are more than kUncertainLimit
};

std::map<store::State, std::int64_t> zero_counts() {
  std::map<store::State, std::int64_t> counts;
  for (store::State s : store::kAllStates) counts[s] = 0;
  return counts;
}

std::int64_t total(const Snapshot& s) {
  std::int64_t sum = 0;
  for (const auto& [state, n] : s.counts) sum += n;
  return sum;
}

Snapshot read_journal(const store::Config& config) {
  // Read-only: status takes no write lock, never waits for `raven run`'s
  // writes, and never migrates a journal of an older schema (it reads it as
  // it is, or says that `raven run` upgrades it).
  auto journal = store::Journal::open_read_only(config);
  Snapshot s;
  s.exists = true;
  s.counts = journal.counts_by_state();
  s.retries = journal.waiting_retries();
  s.failures = journal.last_failures(kFailuresShown);
  s.uncertain = journal.uncertain(static_cast<int>(kUncertainLimit) + 1);
  if (s.uncertain.size() > kUncertainLimit) {
    s.more_uncertain = true;
    s.uncertain.resize(kUncertainLimit);
  }
  return s;
}

// ---- text helpers -------------------------------------------------------------

// Columns taken by UTF-8 text: one per code point (continuation bytes are free).
std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  }
  return n;
}

// Breaks `text` between words into lines of at most `width` columns. A word
// longer than that (a URL) keeps its own line whole, so it stays copyable.
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines(1);
  std::size_t used = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    if (text[start] == ' ') {
      ++start;
      continue;
    }
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    const std::size_t cols = columns(word);
    if (used > 0 && used + 1 + cols > width) {
      lines.emplace_back();
      used = 0;
    }
    if (used > 0) {
      lines.back() += ' ';
      ++used;
    }
    lines.back() += word;
    used += cols;
    start = end;
  }
  return lines;
}

// "    label       value", the value wrapped under itself.
void field(std::ostream& out, std::string_view label, std::string_view value) {
  const std::string indent(kFieldIndent.size() + kLabelWidth, ' ');
  out << kFieldIndent << label << std::string(kLabelWidth - label.size(), ' ');
  const std::vector<std::string> lines = wrap(printable(value), kWidth - indent.size());
  for (std::size_t i = 0; i < lines.size(); ++i) out << (i == 0 ? "" : indent) << lines[i] << "\n";
}

std::string describe(const store::Key& key) {
  return printable(key.mailbox) + " uid " + std::to_string(key.uid) + " (uidvalidity " +
         std::to_string(key.uidvalidity) + ")";
}

std::string or_none(std::string_view s) {
  return s.empty() ? std::string("(none)") : std::string(s);
}

// ---- time -----------------------------------------------------------------------

// "2024-05-01 12:04:10 UTC", or with iso "2024-05-01T12:04:10Z".
std::string utc(std::int64_t unix_ms, bool iso = false) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(t - day)};
  char buffer[40];
  static_cast<void>(
      std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u%c%02d:%02d:%02d%s", static_cast<int>(date.year()),
                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), iso ? 'T' : ' ',
                    static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                    static_cast<int>(time.seconds().count()), iso ? "Z" : " UTC"));
  return buffer;
}

// A non-negative span, to the nearest second, as its two largest units:
// "4m10s", "2h", "3d4h", "0s".
std::string span(std::int64_t ms) {
  struct Unit {
    std::int64_t seconds;
    const char* name;
  };
  constexpr Unit kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::int64_t rest = (ms + 500) / 1000;  // to the nearest second
  std::string out;
  int shown = 0;
  for (const Unit& unit : kUnits) {
    const std::int64_t n = rest / unit.seconds;
    rest %= unit.seconds;
    if (shown > 0) {
      if (n > 0) out += std::to_string(n) + unit.name;
      break;
    }
    if (n > 0) {
      out += std::to_string(n) + unit.name;
      ++shown;
    }
  }
  return out.empty() ? "0s" : out;
}

// When a retry is due, seen from now: "in 4m10s", "due now", "overdue by 3m"
// (Raven is not running, or all its workers are busy).
std::string due(std::int64_t at_ms, std::int64_t now_ms) {
  const std::int64_t ahead = at_ms - now_ms;
  if (ahead >= 1000) return "in " + span(ahead);
  if (ahead > -1000) return "due now";
  return "overdue by " + span(-ahead);
}

// ---- text sections ----------------------------------------------------------------

void print_counts(const Snapshot& s, std::ostream& out) {
  const std::string sum = std::to_string(total(s));
  out << "Messages by state\n";
  const auto row = [&](std::string_view name, const std::string& n) {
    out << "  " << name << std::string(kLabelWidth - name.size(), ' ')
        << std::string(sum.size() - n.size(), ' ') << n << "\n";
  };
  for (const auto& [state, n] : s.counts) row(store::to_string(state), std::to_string(n));
  row("total", sum);
}

void print_retries(const std::vector<store::Record>& retries, std::int64_t now_ms, std::ostream& out) {
  out << "\nWaiting for a retry: " << (retries.empty() ? "none" : std::to_string(retries.size())) << "\n";
  for (std::size_t i = 0; i < retries.size() && i < kRetriesShown; ++i) {
    const store::Record& r = retries[i];
    out << "  " << describe(r.key) << "\n";
    field(out, "message-id", or_none(r.message_id));
    field(out, "state", store::to_string(r.state));
    field(out, "attempts", std::to_string(r.attempts));
    const std::int64_t next = r.next_attempt_ms.value_or(now_ms);
    field(out, "next", utc(next) + " (" + due(next, now_ms) + ")");
    field(out, "last error", or_none(r.last_error.value_or("")));
    if (r.last_error_kind) field(out, "kind", to_string(*r.last_error_kind));
  }
  if (retries.size() > kRetriesShown) {
    out << "  and " << retries.size() - kRetriesShown << " more (raven status --json lists every one)\n";
  }
}

void print_failures(const std::vector<store::Record>& failures, std::ostream& out) {
  out << "\nLast failures, newest first: " << (failures.empty() ? "none" : std::to_string(failures.size()))
      << "\n";
  for (const store::Record& r : failures) {
    out << "  " << utc(r.last_failure_ms.value_or(r.updated_ms)) << "  " << describe(r.key) << "\n";
    field(out, "message-id", or_none(r.message_id));
    field(out, "state", store::to_string(r.state));
    if (r.last_error_kind) field(out, "kind", to_string(*r.last_error_kind));
    field(out, "error", or_none(r.last_error.value_or("")));
  }
}

void print_uncertain(const Snapshot& s, std::ostream& out) {
  out << "\nSkipped as uncertain: " << (s.uncertain.empty() ? "none" : std::to_string(s.uncertain.size()))
      << "\n";
  if (s.uncertain.empty()) return;
  out << "  Check by hand whether these senders got a reply: Raven stopped mid-send.\n";
  for (const store::Record& r : s.uncertain) {
    out << "  " << describe(r.key) << "\n";
    field(out, "message-id", or_none(r.message_id));
    field(out, "reply-id", or_none(r.reply_message_id.value_or("")));
    field(out, "skipped", utc(r.updated_ms));
    field(out, "reason", r.reason.value_or(""));
  }
  if (s.more_uncertain) out << "  and more: only the newest " << kUncertainLimit << " are listed\n";
}

void print_text(const Snapshot& s, const std::string& path, std::int64_t now_ms, std::ostream& out) {
  out << "Journal " << printable(path) << ", as of " << utc(now_ms) << "\n\n";
  print_counts(s, out);
  print_retries(s.retries, now_ms, out);
  print_failures(s.failures, out);
  print_uncertain(s, out);
}

// ---- JSON -------------------------------------------------------------------------

template <typename T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? Json(utc(*ms, true)) : Json(nullptr);
}

Json record_json(const store::Record& r) {
  Json j;
  j["mailbox"] = r.key.mailbox;
  j["uidvalidity"] = r.key.uidvalidity;
  j["uid"] = r.key.uid;
  j["message_id"] = r.message_id;
  j["state"] = std::string(store::to_string(r.state));
  j["attempts"] = r.attempts;
  j["last_error"] = or_null(r.last_error);
  j["last_error_kind"] = r.last_error_kind ? Json(std::string(to_string(*r.last_error_kind))) : Json(nullptr);
  j["last_failure_ms"] = or_null(r.last_failure_ms);
  j["last_failure"] = time_or_null(r.last_failure_ms);
  j["next_attempt_ms"] = or_null(r.next_attempt_ms);
  j["next_attempt"] = time_or_null(r.next_attempt_ms);
  j["reply_message_id"] = or_null(r.reply_message_id);
  j["reason"] = or_null(r.reason);
  j["created_ms"] = r.created_ms;
  j["created"] = utc(r.created_ms, true);
  j["updated_ms"] = r.updated_ms;
  j["updated"] = utc(r.updated_ms, true);
  return j;
}

Json records_json(const std::vector<store::Record>& records) {
  Json list = Json::array();
  for (const store::Record& r : records) list.push_back(record_json(r));
  return list;
}

void print_json(const Snapshot& s, const std::string& path, std::int64_t now_ms, std::ostream& out) {
  Json j;
  j["journal"] = path;
  j["exists"] = s.exists;
  j["now_ms"] = now_ms;
  j["now"] = utc(now_ms, true);
  Json counts = Json::object();
  for (const auto& [state, n] : s.counts) counts[std::string(store::to_string(state))] = n;
  j["counts"] = std::move(counts);
  j["total"] = total(s);
  j["waiting_retries"] = records_json(s.retries);
  j["last_failures"] = records_json(s.failures);
  j["uncertain"] = records_json(s.uncertain);
  j["uncertain_truncated"] = s.more_uncertain;
  // Mail text is often invalid UTF-8, and dump() would throw on it (DESIGN.md).
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace

int status(const config::Config& config, std::ostream& out, std::ostream& err, StatusFormat format,
           std::int64_t now_ms) {
  const std::string& path = config.state.path;
  if (path.empty()) {
    err << "raven status: no journal path: set state.path (neither XDG_STATE_HOME nor HOME is usable)\n";
    return kStatusUnreadable;
  }
  Snapshot snapshot;
  try {
    // Look first: a missing journal is not an error for status but a
    // state to report ("no journal yet"), and opening it would say "unable
    // to open database file".
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (ec) {
      err << "raven status: cannot look for the journal at " << printable(path) << ": " << ec.message()
          << "\n";
      return kStatusUnreadable;
    }
    // An empty file is SQLite's empty database: a journal with nothing in
    // it yet (made but never written, e.g. by `touch`), not an error.
    const bool empty = exists && std::filesystem::file_size(path, ec) == 0 && !ec;
    if (exists && !empty) {
      snapshot = read_journal(config.state);
    } else {
      snapshot.exists = exists;
      snapshot.counts = zero_counts();
    }
  } catch (const std::exception& e) {
    // raven::Error from the journal: not a database, a newer schema, an
    // older one without what status reads, no permission.
    err << "raven status: cannot read the journal: " << printable(e.what()) << "\n";
    return kStatusUnreadable;
  }

  if (format == StatusFormat::json) {
    print_json(snapshot, path, now_ms, out);
  } else if (!snapshot.exists) {
    out << "no journal at " << printable(path) << " yet: Raven has not handled any message\n";
  } else {
    print_text(snapshot, path, now_ms, out);
  }
  return kStatusOk;
}

}  // namespace raven::service
