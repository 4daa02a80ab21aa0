// gtest main for the imap integration tests: libetpan writes with send(…, 0),
// so, as in Raven's own main, SIGPIPE is ignored process-wide first.
#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
