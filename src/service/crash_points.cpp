#include "service/crash_points.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>

namespace raven::service {

#ifdef RAVEN_CRASH_POINTS

namespace {

constexpr std::array<std::string_view, 4> kPoints = {"after_sending_recorded", "after_smtp_accepted",
                                                      "after_sent_copy", "after_sent_recorded"};

}  // namespace

std::function<void(std::string_view)> crash_points_from_environment(const log::Logger& logger) {
  const char* raw = std::getenv("RAVEN_CRASH_AT");
  if (raw == nullptr || *raw == '\0') return {};
  std::string_view spec(raw);
  std::string point(spec.substr(0, spec.find(':')));
  long nth = 1;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    auto digits = spec.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), nth);
    if (ec != std::errc() || end != digits.data() + digits.size() || nth < 1) nth = 0;
  }
  bool known = false;
  for (auto p : kPoints) known = known || p == point;
  if (!known || nth < 1) {
    logger.error("RAVEN_CRASH_AT not understood", {{"value", spec}, {"next", "ignoring it"}});
    return {};
  }
  logger.warn("crash point armed", {{"point", point}, {"nth", nth}});
  auto count = std::make_shared<std::atomic<long>>(0);
  return [point, nth, count](std::string_view reached) {
    if (reached != point || ++*count != nth) return;
    static constexpr char kNote[] = "raven: RAVEN_CRASH_AT reached, killing myself with SIGKILL\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kNote, sizeof kNote - 1);
    ::kill(::getpid(), SIGKILL);
  };
}

#else

std::function<void(std::string_view)> crash_points_from_environment(const log::Logger&) { return {}; }

#endif

}  // namespace raven::service
