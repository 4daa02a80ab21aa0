#include "replies.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "support/raven_harness.hpp"

namespace raven::bench {
namespace {

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

ReplyCheck check_replies(const std::string& maildir, const std::vector<SinkWatch::Arrival>& arrivals,
                         const std::vector<std::string>& delivered) {
  ReplyCheck check;
  const std::set<std::string> expected(delivered.begin(), delivered.end());
  std::map<std::string, std::size_t> count;
  for (const auto& arrival : arrivals) {
    const std::string original =
        testing::bare_message_id(testing::header_value(read_header(maildir + "/" + arrival.stem + ".eml"), "In-Reply-To"));
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

Figures by_name(const std::vector<Figures>& sets, double (*statistic)(std::vector<double>)) {
  std::vector<std::pair<std::string, std::vector<double>>> values;  // a vector: keeps the order first met
  for (const Figures& set : sets) {
    for (const auto& figure : set) {
      auto it =
          std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == figure.first; });
      if (it == values.end()) it = values.insert(values.end(), {figure.first, {}});
      it->second.push_back(figure.second);
    }
  }
  Figures out;
  for (auto& [name, list] : values) out.emplace_back(name, statistic(std::move(list)));
  return out;
}

double ms_between(WallTime from, WallTime to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace raven::bench
