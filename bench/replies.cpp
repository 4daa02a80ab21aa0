#include "replies.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace raven::bench {
namespace {

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string bare_id(std::string_view id) {
  std::string s = trim(id);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

// Only the header section: replies quote the original, and a body line must
// never be taken for a header.
std::string read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string header;
  for (std::string line; std::getline(in, line);) {
    if (line == "\r" || line.empty()) break;
    header += line + "\n";
  }
  return header;
}

}  // namespace

std::string header_value(std::string_view raw, std::string_view name) {
  std::string value;
  bool in_field = false;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto eol = raw.find('\n', pos);
    std::string_view line =
        raw.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? raw.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (in_field) value += " " + trim(line);  // RFC 5322 §2.2.3 unfolding
      continue;
    }
    if (in_field) break;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      value = trim(line.substr(colon + 1));
      in_field = true;
    }
  }
  return trim(value);
}

ReplyCheck check_replies(const std::string& maildir, const std::vector<SinkWatch::Arrival>& arrivals,
                         const std::vector<std::string>& delivered) {
  ReplyCheck check;
  const std::set<std::string> expected(delivered.begin(), delivered.end());
  std::map<std::string, std::size_t> count;
  for (const auto& arrival : arrivals) {
    const std::string original =
        bare_id(header_value(read_header(maildir + "/" + arrival.stem + ".eml"), "In-Reply-To"));
    ++check.replies;
    if (!expected.contains(original)) {
      ++check.strays;
      continue;
    }
    if (++count[original] > 1) {
      ++check.duplicates;
    } else {
      check.first_reply_at.emplace(original, arrival.at);
    }
  }
  for (const auto& id : expected) {
    if (!count.contains(id)) ++check.missing;
  }
  return check;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double ms_between(WallTime from, WallTime to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace raven::bench
