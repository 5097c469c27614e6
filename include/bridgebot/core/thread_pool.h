// A fixed pool of worker threads running posted jobs in FIFO order. Used to keep blocking work
// (store commits, Slack calls) off the network threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bridgebot::core {

class ThreadPool {
 public:
  // At most `max_queued` jobs wait for a thread; try_post refuses more (post never does).
  explicit ThreadPool(int threads, std::size_t max_queued = SIZE_MAX);
  ~ThreadPool();  // runs the jobs already posted, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Thread-safe. Jobs posted after shutdown began are dropped.
  void post(std::function<void()> job);
  // Thread-safe. false (and the job dropped) when max_queued jobs are waiting already, or after
  // shutdown began: the caller answers "overloaded" instead of letting the queue grow.
  bool try_post(std::function<void()> job);
  // Stops taking jobs, finishes the queued ones and joins. Idempotent.
  void shutdown();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  const std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bridgebot::core
