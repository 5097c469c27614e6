// ThreadExecutor: a core::Executor of a few threads sharing one queue, with timers that cost no
// thread while they wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "bridgebot/core/executor.h"

namespace bridgebot::core {

// An Executor of a few threads sharing one queue: jobs start in the order posted, on whichever
// thread is free.
class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(int threads);
  ~ThreadExecutor() override;  // shutdown()
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  void post(Job job) override;
  void post_after(std::chrono::steady_clock::duration delay, TimerJob job) override;
  void cancel_timers() override;
  void shutdown() override;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  void run();
  // Moves the timers due by `now` (all of them once cancelled) to the job queue. Call locked.
  void expire_timers_locked(TimePoint now);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  // Ordered by due time; the counter keeps timers with one due time in posting order.
  std::map<std::pair<TimePoint, std::uint64_t>, TimerJob> timers_;
  std::uint64_t timer_count_ = 0;
  bool timers_cancelled_ = false;
  bool stopping_ = false;
  bool joined_ = false;  // jobs posted from now on are dropped
  std::vector<std::thread> threads_;
};

}  // namespace bridgebot::core
