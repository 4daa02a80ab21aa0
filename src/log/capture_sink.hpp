// raven::log::CaptureSink — a Sink that keeps every line, for tests that
// check what an operator would read (that a failure is one clear line, that
// no secret reaches the log). Test code only; header-only.
//
// Thread-safe: the code under test may log from several threads while the
// test reads.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "log/log.hpp"

namespace raven::log {

class CaptureSink : public Sink {
 public:
  void write_line(std::string_view line) override {
    std::lock_guard lock(m_);
    lines_.emplace_back(line);
  }

  // Every line so far, in order.
  std::vector<std::string> lines() const {
    std::lock_guard lock(m_);
    return lines_;
  }

  // Every line so far, each ended by '\n'.
  std::string all() const {
    std::lock_guard lock(m_);
    std::string out;
    for (const auto& l : lines_) out.append(l).push_back('\n');
    return out;
  }

  // True if some line contains `needle`.
  bool contains(std::string_view needle) const { return contains_all({needle}); }

  // True if one line contains every one of `parts`.
  bool contains_all(std::initializer_list<std::string_view> parts) const {
    std::lock_guard lock(m_);
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& l) {
      return std::all_of(parts.begin(), parts.end(), [&](std::string_view p) { return l.find(p) != l.npos; });
    });
  }

 private:
  mutable std::mutex m_;
  std::vector<std::string> lines_;
};

}  // namespace raven::log
