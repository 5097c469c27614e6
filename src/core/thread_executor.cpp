#include "bridgebot/core/thread_executor.h"

#include <algorithm>
#include <cassert>

#include "bridgebot/core/thread_name.h"

namespace bridgebot::core {

ThreadExecutor::ThreadExecutor(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] {
      name_this_thread("executor");
      run();
    });
  }
}

ThreadExecutor::~ThreadExecutor() {
  shutdown();
}

void ThreadExecutor::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (joined_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void ThreadExecutor::post_after(std::chrono::steady_clock::duration delay, TimerJob job) {
  {
    std::lock_guard lock(mutex_);
    if (joined_) return;
    if (timers_cancelled_) {
      jobs_.push_back([job = std::move(job)] { job(false); });
    } else {
      const TimePoint due = std::chrono::steady_clock::now() + delay;
      timers_.emplace(std::make_pair(due, timer_count_++), std::move(job));
    }
  }
  // Every thread: the one waiting for the earliest timer may have to wake sooner now.
  wake_.notify_all();
}

void ThreadExecutor::cancel_timers() {
  {
    std::lock_guard lock(mutex_);
    timers_cancelled_ = true;
    expire_timers_locked(std::chrono::steady_clock::now());
  }
  wake_.notify_all();
}

void ThreadExecutor::shutdown() {
  assert(current() != this);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    timers_cancelled_ = true;
    expire_timers_locked(std::chrono::steady_clock::now());
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  joined_ = true;
}

void ThreadExecutor::expire_timers_locked(TimePoint now) {
  while (!timers_.empty()) {
    auto first = timers_.begin();
    const bool elapsed = first->first.first <= now;
    if (!elapsed && !timers_cancelled_) return;
    jobs_.push_back([job = std::move(first->second), elapsed] { job(elapsed); });
    timers_.erase(first);
  }
}

void ThreadExecutor::run() {
  set_current(this);
  std::unique_lock lock(mutex_);
  for (;;) {
    expire_timers_locked(std::chrono::steady_clock::now());
    if (!jobs_.empty()) {
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      next_turn();
      job();
      job = nullptr;  // its captures are released outside the lock
      lock.lock();
      continue;
    }
    if (stopping_) return;  // drained: cancelled timers were queued as jobs
    if (timers_.empty()) {
      wake_.wait(lock);
    } else {
      const TimePoint next = timers_.begin()->first.first;  // a copy: the node may go meanwhile
      wake_.wait_until(lock, next);
    }
  }
}

}  // namespace bridgebot::core
