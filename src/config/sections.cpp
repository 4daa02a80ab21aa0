#include "config/sections.hpp"

#include <array>

namespace raven::config::detail {

std::span<const Section> sections() {
  // answer, llm and smtp are optional for now: a config that only watches
  // the mailbox has none of them. Their validate() runs only when present.
  static constexpr std::array<Section, 10> kSections{{
      {"imap", true, read_imap, [](const Config& c) { return c.imap.validate(); }},
      {"intake", false, read_intake, [](const Config& c) { return c.intake.validate(); }},
      {"filter", false, read_filter, [](const Config& c) { return c.filter.validate(); }},
      {"policy", false, read_policy, [](const Config& c) { return c.policy.validate(); }},
      {"answer", false, read_answer, [](const Config& c) { return c.answer->validate(); }},
      {"llm", false, read_llm, [](const Config& c) { return c.llm->validate(); }},
      {"tools", false, read_tools, [](const Config& c) { return tool::validate(c.tools); }, true},
      {"smtp", false, read_smtp, [](const Config& c) { return c.smtp->validate(); }},
      {"state", false, read_state, [](const Config& c) { return c.state.validate(); }},
      {"log", false, read_log, nullptr},
  }};
  return kSections;
}

}  // namespace raven::config::detail
