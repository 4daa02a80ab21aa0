#include "config/sections.hpp"

#include <array>

namespace raven::config::detail {

std::span<const Section> sections() {
  static constexpr std::array<Section, 4> kSections{{
      {"imap", true, read_imap, [](const Config& c) { return c.imap.validate(); }},
      {"intake", false, read_intake, [](const Config& c) { return c.intake.validate(); }},
      {"filter", false, read_filter, [](const Config& c) { return c.filter.validate(); }},
      {"log", false, read_log, nullptr},
  }};
  return kSections;
}

}  // namespace raven::config::detail
