// raven::main signal handling — turns SIGINT/SIGTERM into a stop request.
//
// Blocking the signals in every thread and waiting for them on one dedicated
// thread (sigwait) keeps signal handlers out of the program entirely: the
// stop request runs in ordinary code, so it may lock mutexes and log. A second
// SIGINT/SIGTERM while shutting down exits at once (status 130/143) for an
// operator who does not want to wait for the message in hand.
// SIGPIPE is ignored process-wide: libetpan writes with send(…, 0)
// (DESIGN.md pitfall), and a peer closing a socket must be an error, not death.
#pragma once

#include <stop_token>
#include <thread>

namespace raven::app {

// Call first in main(), before any thread starts: ignores SIGPIPE and blocks
// SIGINT/SIGTERM in the calling thread (so every thread created later inherits
// the mask).
void prepare_signals();

// Runs a thread that calls `stop.request_stop()` on the first SIGINT/SIGTERM.
// Destroying it (or stop_signal_thread) ends the thread.
class SignalThread {
 public:
  explicit SignalThread(std::stop_source stop);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  std::stop_source stop_;
  std::jthread thread_;
};

}  // namespace raven::app
