#include "log/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace raven::log {
namespace {

struct Capture : Sink {
  std::vector<std::string> lines;
  void write_line(std::string_view line) override { lines.emplace_back(line); }
};

TEST(Log, TextIsLogfmt) {
  Logger l({Level::info, Format::text});
  auto line = l.format(Level::info, "imap connected", {{"host", "mail.example.com"}, {"port", 993}},
                       "2026-11-28T00:00:00.000Z");
  EXPECT_EQ(line, "ts=2026-11-28T00:00:00.000Z level=info msg=\"imap connected\" host=mail.example.com port=993");
}

TEST(Log, TextEscapesSoOneEventIsOneLine) {
  Logger l;
  auto line = l.format(Level::error, "x", {{"error", "bad\r\nA1 LOGOUT \"q\""}, {"empty", ""}}, "t");
  EXPECT_EQ(line, "ts=t level=error msg=x error=\"bad\\r\\nA1 LOGOUT \\\"q\\\"\" empty=\"\"");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, JsonKeepsNumbersAndSurvivesInvalidUtf8) {
  Logger l({Level::info, Format::json});
  auto line = l.with({{"component", "intake"}})
                  .format(Level::warn, "m", {{"n", 42}, {"ok", true}, {"s", "\xff\xfe"}}, "t");
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["component"], "intake");
  EXPECT_EQ(j["n"], 42);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_TRUE(j["s"].is_string());
}

TEST(Log, LevelFiltersAndContextIsAdded) {
  auto sink = std::make_shared<Capture>();
  Logger l({Level::warn, Format::text}, sink);
  auto c = l.with({{"component", "imap"}});
  c.info("dropped");
  c.warn("kept", {{"k", "v"}});
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_NE(sink->lines[0].find("msg=kept component=imap k=v"), std::string::npos);
}

TEST(Log, DurationsAreHumanReadable) {
  using namespace std::chrono_literals;
  EXPECT_EQ(Field("d", 1500ms).value, "1500ms");
  EXPECT_EQ(Field("d", 90s).value, "1m30s");
  EXPECT_EQ(Field("d", 2h).value, "2h");
}

}  // namespace
}  // namespace raven::log
