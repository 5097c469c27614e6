// Executor: a few threads running posted jobs, and timers that cost no thread while they wait.
// Coroutines (task.h) run on it: an awaited operation that completes elsewhere (an HTTP answer on
// the client's I/O thread) posts the coroutine's resumption here, and `co_await sleep_for(d)`
// suspends a coroutine for d without holding a thread.
//
// Thread-safe. Jobs run in the order posted (on whichever thread is free); a timer's job runs
// once its time has come, or at once, with `elapsed` false, after cancel_timers().
#pragma once

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace bridgebot::core {

class Executor {
 public:
  using Job = std::function<void()>;
  // `elapsed`: the delay passed; false: cancel_timers() cut it short.
  using TimerJob = std::function<void(bool elapsed)>;

  explicit Executor(int threads);
  ~Executor();  // shutdown()
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void post(Job job);
  void post_after(std::chrono::steady_clock::duration delay, TimerJob job);

  // Runs every waiting timer now with elapsed=false, and every timer posted from now on too:
  // for a shutdown that must not wait out long pauses. Irreversible.
  void cancel_timers();
  // Cancels the timers, runs the jobs already posted (and the ones they post), then joins the
  // threads. Jobs posted after that are dropped. Idempotent; not from an executor thread.
  void shutdown();

  // The executor whose thread calls this, or null on any other thread.
  static Executor* current() noexcept;

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

// `co_await sleep_for(d)` in a coroutine running on an Executor: resumes on that executor after
// d, with true, or earlier with false once its timers are cancelled. Must be awaited on an
// executor thread.
class SleepFor {
 public:
  explicit SleepFor(std::chrono::steady_clock::duration delay) : delay_(delay) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> coroutine);
  bool await_resume() const noexcept { return elapsed_; }

 private:
  std::chrono::steady_clock::duration delay_;
  bool elapsed_ = false;
};

inline SleepFor sleep_for(std::chrono::steady_clock::duration delay) {
  return SleepFor(delay);
}

}  // namespace bridgebot::core
