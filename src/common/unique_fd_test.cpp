// UniqueFd closes what it owns exactly once; make_pipe gives close-on-exec ends.
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <utility>

#include "common/child_process.hpp"

namespace raven {
namespace {

int open_null() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

TEST(UniqueFd, ClosesOnDestruction) {
  const int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_TRUE(static_cast<bool>(fd));
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, EmptyByDefaultAndForMinusOne) {
  UniqueFd none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(none.get(), -1);
  UniqueFd failed(-1);
  EXPECT_FALSE(failed);
}

TEST(UniqueFd, MoveTransfersOwnership) {
  const int raw = open_null();
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_EQ(a.get(), -1);  // NOLINT(bugprone-use-after-move): moved-from is specified empty
  EXPECT_EQ(b.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, MoveAssignmentClosesWhatTheTargetHeld) {
  const int first = open_null();
  const int second = open_null();
  UniqueFd target(first);
  UniqueFd source(second);
  target = std::move(source);
  EXPECT_FALSE(is_open(first));
  EXPECT_TRUE(is_open(second));
  EXPECT_EQ(target.get(), second);
  EXPECT_FALSE(source.valid());  // NOLINT(bugprone-use-after-move)
  auto& self = target;
  target = std::move(self);  // self-move keeps the fd
  EXPECT_TRUE(is_open(second));
}

TEST(UniqueFd, ResetAndRelease) {
  const int first = open_null();
  const int second = open_null();
  UniqueFd fd(first);
  fd.reset(second);
  EXPECT_FALSE(is_open(first));
  EXPECT_EQ(fd.release(), second);
  EXPECT_FALSE(fd.valid());
  EXPECT_TRUE(is_open(second)) << "released: no longer ours to close";
  ::close(second);
  fd.reset();
  EXPECT_FALSE(fd.valid());
}

TEST(Pipe, BothEndsAreCloseOnExec) {
  Pipe p;
  ASSERT_TRUE(make_pipe(p));
  EXPECT_TRUE(::fcntl(p.read.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(p.write.get(), F_GETFD) & FD_CLOEXEC);
  ASSERT_EQ(::write(p.write.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(p.read.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

}  // namespace
}  // namespace raven
