// Executor: where coroutines (task.h) run. An awaited operation that completes elsewhere posts
// the coroutine's resumption to the executor it was suspended from, and `co_await sleep_for(d)`
// suspends a coroutine for d without holding a thread.
//
// Two implementations: core::ThreadExecutor (thread_executor.h: a few threads, for work without
// I/O of its own) and net::EventLoops (net/event_loops.h), whose single-threaded event loops also
// run the asynchronous HTTP clients made on them, so an answer resumes its coroutine where it
// arrives.
//
// Thread-safe. A timer's job runs once its time has come, or at once, with `elapsed` false,
// after cancel_timers().
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>

namespace bridgebot::core {

class Executor {
 public:
  using Job = std::function<void()>;
  // `elapsed`: the delay passed; false: cancel_timers() cut it short.
  using TimerJob = std::function<void(bool elapsed)>;

  virtual ~Executor() = default;

  // Never runs `job` inside post() itself.
  virtual void post(Job job) = 0;
  virtual void post_after(std::chrono::steady_clock::duration delay, TimerJob job) = 0;

  // Runs every waiting timer now with elapsed=false, and every timer posted from now on too:
  // for a shutdown that must not wait out long pauses. Irreversible.
  virtual void cancel_timers() = 0;
  // Cancels the timers, runs the jobs already posted (and the ones they post), then joins the
  // threads. Jobs posted after that are dropped. Idempotent; not from an executor thread.
  virtual void shutdown() = 0;

  // The executor whose thread calls this, or null on any other thread.
  static Executor* current() noexcept;

  // Which job this executor thread is running: a new number for every job (posted, timer, I/O
  // completion), 0 on threads of no executor. Two calls seeing the same nonzero number were made
  // with nothing awaited in between: only the CPU time of one job separates them.
  static std::uint64_t turn() noexcept;

 protected:
  // Called first thing on each thread of `executor`, so that current() names it there.
  static void set_current(Executor* executor) noexcept;
  // Called by the thread's loop before each job it runs.
  static void next_turn() noexcept;
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
