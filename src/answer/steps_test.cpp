#include "answer/steps.hpp"

#include <gtest/gtest.h>

namespace raven::answer {
namespace {

using namespace std::chrono_literals;

std::string render(const std::vector<log::Field>& fields) {
  std::string out;
  for (const log::Field& f : fields) out += f.key + "=" + f.value + " ";
  return out;
}

TEST(AnswerSteps, EachMarkIsTheTimeSinceThePreviousOne) {
  Steps steps;
  const Clock::time_point t0{};
  steps.start(t0);
  steps.mark("fetch", t0 + 1500us);
  steps.mark("llm", t0 + 4ms);
  EXPECT_EQ(render(steps.fields()), "fetch_us=1500 llm_us=2500 total_us=4000 ");
}

TEST(AnswerSteps, AStepMarkedTwiceIsSummedWhereItWasFirstMet) {
  Steps steps;
  const Clock::time_point t0{};
  steps.start(t0);
  steps.mark("journal", t0 + 100us);
  steps.mark("policy", t0 + 150us);
  steps.mark("journal", t0 + 400us);
  EXPECT_EQ(render(steps.fields()), "journal_us=350 policy_us=50 total_us=400 ");
}

TEST(AnswerSteps, StartForgetsThePreviousMessage) {
  Steps steps;
  const Clock::time_point t0{};
  steps.start(t0);
  steps.mark("fetch", t0 + 1ms);
  steps.start(t0 + 10ms);
  steps.mark("parse", t0 + 10ms + 20us);
  const std::vector<log::Field> fields = steps.fields();
  EXPECT_EQ(render(fields), "parse_us=20 total_us=20 ");
  EXPECT_FALSE(fields.front().quoted_in_json);  // numbers stay numbers in JSON
}

}  // namespace
}  // namespace raven::answer
