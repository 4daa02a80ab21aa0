#include "main/signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace raven::app {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void prepare_signals() {
  struct sigaction ignore{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(std::stop_source stop)
    : stop_(stop), thread_([this](std::stop_token self) {
        sigset_t set = stop_signals();
        // sigtimedwait with a short timeout so the thread notices its own stop.
        const timespec tick{0, 100'000'000};
        while (!self.stop_requested()) {
          int sig = sigtimedwait(&set, nullptr, &tick);
          if (sig < 0) continue;  // EAGAIN (tick) or EINTR
          if (stop_.stop_requested()) _exit(128 + sig);  // second signal: do not wait
          stop_.request_stop();
        }
      }) {}

SignalThread::~SignalThread() { thread_.request_stop(); }

}  // namespace raven::app
