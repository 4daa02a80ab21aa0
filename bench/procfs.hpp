// raven::bench — what Linux's /proc says a process (or a tree of them) cost.
//
// Why: the benchmark reports Raven's CPU per message and peak memory, and the
// CPU the servers around it used, without instrumenting any of them. The
// kernel already counts both: /proc/<pid>/stat has user and system time (all
// threads, live or exited), /proc/<pid>/status has VmRSS and VmHWM (the peak
// resident set since the process started).
//
// Times come in clock ticks (10 ms at the usual USER_HZ of 100), so a figure
// is only as exact as the number of ticks behind it; the benchmark divides
// seconds of CPU by hundreds of messages.
//
// Every function reads /proc at the moment of the call, never throws, and
// returns nullopt (or skips the process) when the process is gone. Any thread.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace raven::bench {

// User + system CPU of one process, all its threads, in seconds.
std::optional<double> process_cpu_seconds(pid_t pid);

// CPU of a whole process tree in seconds: `root` and every descendant (live or
// zombie), each with its own time plus the time of the children it has
// reaped (cutime/cstime). The difference between two readings is what the
// tree spent in between, including processes that started and ended in
// between (Dovecot's master reaps its lmtp and imap processes).
double tree_cpu_seconds(pid_t root);

// A "kB" field of /proc/<pid>/status, e.g. "VmRSS", "VmHWM" or "RssAnon", in KiB.
std::optional<long> status_kib(pid_t pid, std::string_view field);

// The bench driver's own user + system CPU (getrusage RUSAGE_SELF), seconds.
double self_cpu_seconds();

}  // namespace raven::bench
