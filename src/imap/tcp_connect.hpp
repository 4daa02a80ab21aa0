// raven::imap::tcp_connect — the TCP part of Session::connect.
//
// Why not libetpan's mail_tcp_connect_timeout: it can be neither stopped nor
// bounded below one second, and its poll result check is wrong (an operator
// precedence bug ignores POLLOUT). Here every address of the host is tried in
// turn until `deadline`, and an eventfd (woken by a stop request) aborts the
// wait at once.
//
// Blocks (name resolution, then the connect); name resolution itself is not
// interruptible. Safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/unique_fd.hpp"

namespace raven::imap {

// Returns a connected socket in blocking mode, close-on-exec, with
// SO_KEEPALIVE. Throws a transient raven::Error naming host:port when the name
// does not resolve, every address refuses, the deadline passes, or `wake_fd`
// (if >= 0) becomes readable.
UniqueFd tcp_connect(const std::string& host, std::uint16_t port,
                     std::chrono::steady_clock::time_point deadline, int wake_fd);

}  // namespace raven::imap
