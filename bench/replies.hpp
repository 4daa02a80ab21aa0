// raven::bench — which replies arrived, and small statistics over figures.
//
// Why: "missing" and "duplicates" are judged only by what the SMTP sink
// stored, matched by In-Reply-To against the Message-IDs the benchmark
// delivered: the outside world's view, the one that matters to a customer.
// Pure functions plus one read of the sink's files; any thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sink_watch.hpp"

namespace raven::bench {

struct ReplyCheck {
  std::size_t replies = 0;     // messages the sink stored
  std::size_t missing = 0;     // delivered Message-IDs with no reply
  std::size_t duplicates = 0;  // replies beyond the first to the same Message-ID
  std::size_t strays = 0;      // replies to a Message-ID that was not delivered
  // bare Message-ID of the original → when its (first) reply was stored
  std::map<std::string, WallTime> first_reply_at;
};

// Reads <maildir>/<stem>.eml for every arrival and matches In-Reply-To with
// `delivered` (bare Message-IDs).
ReplyCheck check_replies(const std::string& maildir, const std::vector<SinkWatch::Arrival>& arrivals,
                         const std::vector<std::string>& delivered);

// Nearest-rank percentile (p in 0..100) of `values`; 0 when empty.
double percentile(std::vector<double> values, double p);
double median(std::vector<double> values);

// Named figures in a meaningful order, e.g. the ms of each step of one
// message, or each step's p50 over a run.
using Figures = std::vector<std::pair<std::string, double>>;

// For each name in `sets` (in the order first met), `statistic` over its
// values in the sets that have it: each step's p50 over the messages of a
// run, or its median over the runs.
Figures by_name(const std::vector<Figures>& sets, double (*statistic)(std::vector<double>));

// Milliseconds from `from` to `to`.
double ms_between(WallTime from, WallTime to);

}  // namespace raven::bench
