// raven::BoundedQueue — the hand-off from the intake worker to answer workers.
//
// Fixed capacity. The producer never blocks: try_push() fails when the queue is
// full (the seed's `select … default`), and intake defers the rest until a slot
// frees. Consumers block in pop() until an item arrives or stop is requested.
// on_pop, if set, runs after every pop (outside the lock): intake uses it to
// re-scan as soon as a slot frees, so deferred mail is never stranded.
// All members are thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>

namespace raven {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Never blocks. Returns false (and leaves `item` unused) when full.
  bool try_push(T item) {
    {
      std::lock_guard lock(m_);
      if (items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    return true;
  }

  // Blocks until an item is available or `stop` is requested (then nullopt).
  std::optional<T> pop(std::stop_token stop) {
    std::optional<T> out;
    std::function<void()> hook;
    {
      std::unique_lock lock(m_);
      if (!not_empty_.wait(lock, stop, [&] { return !items_.empty(); })) return std::nullopt;
      out.emplace(std::move(items_.front()));
      items_.pop_front();
      hook = on_pop_;
    }
    if (hook) hook();
    return out;
  }

  // Sets a callback run after each successful pop. Call before consumers start.
  void set_on_pop(std::function<void()> hook) {
    std::lock_guard lock(m_);
    on_pop_ = std::move(hook);
  }

  std::size_t size() const {
    std::lock_guard lock(m_);
    return items_.size();
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex m_;
  std::condition_variable_any not_empty_;
  std::deque<T> items_;
  std::function<void()> on_pop_;
};

}  // namespace raven
