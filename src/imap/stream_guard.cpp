#include "imap/stream_guard.hpp"

#include <cstdlib>
#include <memory>
#include <mutex>

namespace raven::imap {
namespace {

struct Guard {
  explicit Guard(mailstream_low* low) : inner(low) {}
  std::mutex mu;  // `inner` and `cancelled`, against a cancel from another thread
  mailstream_low* inner;
  bool cancelled = false;
  bool eof = false;  // owning thread only
};

Guard* guard_of(mailstream_low* s) noexcept { return static_cast<Guard*>(s->data); }

ssize_t guard_read(mailstream_low* s, void* buf, size_t count) {
  Guard* g = guard_of(s);
  if (g->eof) return -1;
  g->inner->timeout = s->timeout;
  const ssize_t r = g->inner->driver->mailstream_read(g->inner, buf, count);
  // The socket driver reports EOF as 0, which libetpan's literal reader
  // retries forever. Nothing else yields 0 for a non-empty read.
  if (r == 0 && count > 0) {
    g->eof = true;
    return -1;
  }
  return r;
}

ssize_t guard_write(mailstream_low* s, const void* buf, size_t count) {
  Guard* g = guard_of(s);
  g->inner->timeout = s->timeout;
  return g->inner->driver->mailstream_write(g->inner, buf, count);
}

int guard_close(mailstream_low* s) { return mailstream_low_close(guard_of(s)->inner); }

int guard_get_fd(mailstream_low* s) { return mailstream_low_get_fd(guard_of(s)->inner); }

void guard_free(mailstream_low* s) {
  std::unique_ptr<Guard> g(guard_of(s));
  mailstream_low_free(g->inner);
  s->data = nullptr;
  std::free(s);  // allocated by mailstream_low_new
}

void guard_cancel(mailstream_low* s) {
  Guard* g = guard_of(s);
  std::lock_guard lock(g->mu);
  g->cancelled = true;
  mailstream_low_cancel(g->inner);
}

struct mailstream_cancel* guard_get_cancel(mailstream_low* s) {
  return mailstream_low_get_cancel(guard_of(s)->inner);
}

carray* guard_get_certificate_chain(mailstream_low* s) {
  return mailstream_low_get_certificate_chain(guard_of(s)->inner);
}

int guard_setup_idle(mailstream_low* s) { return mailstream_low_setup_idle(guard_of(s)->inner); }
int guard_unsetup_idle(mailstream_low* s) { return mailstream_low_unsetup_idle(guard_of(s)->inner); }
int guard_interrupt_idle(mailstream_low* s) {
  return mailstream_low_interrupt_idle(guard_of(s)->inner);
}

mailstream_low_driver guard_driver = {
    guard_read,       guard_write,      guard_close,          guard_get_fd,
    guard_free,       guard_cancel,     guard_get_cancel,     guard_get_certificate_chain,
    guard_setup_idle, guard_unsetup_idle, guard_interrupt_idle,
};

Guard* guard_of_stream(mailstream* stream) noexcept {
  mailstream_low* low = mailstream_get_low(stream);
  if (low == nullptr || low->driver != &guard_driver) return nullptr;
  return guard_of(low);
}

}  // namespace

void install_stream_guard(mailstream* stream) {
  mailstream_low* inner = mailstream_get_low(stream);
  auto guard = std::make_unique<Guard>(inner);
  mailstream_low* low = mailstream_low_new(guard.get(), &guard_driver);
  if (low == nullptr) throw std::bad_alloc();
  guard.release();  // owned by `low` from here; freed by guard_free
  mailstream_low_set_timeout(low, mailstream_low_get_timeout(inner));
  mailstream_set_low(stream, low);
}

void replace_guarded_low(mailstream* stream, mailstream_low* inner) noexcept {
  Guard* g = guard_of_stream(stream);
  mailstream_low* old = nullptr;
  {
    std::lock_guard lock(g->mu);
    old = g->inner;
    g->inner = inner;
    inner->timeout = mailstream_get_low(stream)->timeout;
    if (g->cancelled) mailstream_low_cancel(inner);  // a cancel during the swap is not lost
  }
  mailstream_low_free(old);  // the socket driver's free leaves the fd open
}

mailstream_low* guarded_low(mailstream* stream) noexcept {
  Guard* g = guard_of_stream(stream);
  return g == nullptr ? mailstream_get_low(stream) : g->inner;
}

bool stream_saw_eof(mailstream* stream) noexcept {
  Guard* g = guard_of_stream(stream);
  return g != nullptr && g->eof;
}

void set_stream_timeout(mailstream* stream, long seconds) noexcept {
  mailstream_low* low = mailstream_get_low(stream);
  mailstream_low_set_timeout(low, seconds);
  if (Guard* g = guard_of_stream(stream)) mailstream_low_set_timeout(g->inner, seconds);
}

}  // namespace raven::imap
