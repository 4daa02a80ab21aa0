// Every message of the shared corpus (../shared/corpus) goes through the
// policy without crashing, each decision explains itself, and every delivery
// report (multipart/report) in it is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "message/parse.hpp"
#include "policy/policy.hpp"

namespace raven::policy {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(PolicyCorpus, EveryMessageDecidesAndReportsAreSkipped) {
  ASSERT_TRUE(std::filesystem::is_directory(RAVEN_CORPUS_DIR)) << RAVEN_CORPUS_DIR;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(RAVEN_CORPUS_DIR)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 50u);

  Config strict;
  strict.addresses = {"raven@example.com"};
  Config lenient = strict;
  lenient.require_addressed = false;
  ASSERT_TRUE(strict.validate().empty());
  const filter::Filter anyone(filter::Config{});

  std::map<std::string, int> codes;
  int reports = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const message::Request r = message::parse_message(read_file(path));
    for (const Config* c : {&strict, &lenient}) {
      const Decision d = decide(r, std::nullopt, *c, anyone);
      EXPECT_FALSE(d.code.empty());
      EXPECT_FALSE(d.sentence.empty());
      EXPECT_FALSE(d.evidence.empty());
      EXPECT_EQ(d.answered(), d.code == code::answer);
      if (r.content_type == "multipart/report") {
        EXPECT_FALSE(d.answered()) << d.code;
      }
      if (c == &lenient) ++codes[d.code];
    }
    // The envelope given explicitly exercises the same rules without Return-Path.
    (void)decide(r, std::string("sender@example.org"), lenient, anyone);
    if (r.content_type == "multipart/report") ++reports;
  }
  EXPECT_GT(reports, 0);
  std::cout << "policy corpus (require_addressed=false): " << files.size() << " messages, " << reports
            << " multipart/report";
  for (const auto& [c, n] : codes) std::cout << ", " << c << "=" << n;
  std::cout << "\n";
}

}  // namespace
}  // namespace raven::policy
