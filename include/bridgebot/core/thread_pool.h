// A fixed pool of worker threads running posted jobs in FIFO order. Used to keep blocking work
// (store commits, Slack calls) off the network threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bridgebot::core {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();  // runs the jobs already posted, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Thread-safe. Jobs posted after shutdown began are dropped.
  void post(std::function<void()> job);
  // Stops taking jobs, finishes the queued ones and joins. Idempotent.
  void shutdown();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bridgebot::core
