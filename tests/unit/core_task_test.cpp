// Task<T>: lazy coroutines awaited from one another, started detached, frames freed exactly once
// (run under asan).
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bridgebot/core/task.h"
#include "bridgebot/core/thread_executor.h"

using bridgebot::core::Executor;
using bridgebot::core::start_detached;
using bridgebot::core::Task;
using bridgebot::core::ThreadExecutor;

namespace {

// Counts live instances, to see that coroutine frames (which hold them) are freed.
struct Tracked {
  static inline int alive = 0;
  Tracked() { ++alive; }
  Tracked(const Tracked&) { ++alive; }
  ~Tracked() { --alive; }
};

Task<int> add(int a, int b, Tracked) {
  co_return a + b;
}

Task<std::string> describe(int a, int b) {
  const int sum = co_await add(a, b, Tracked{});
  co_return std::to_string(a) + "+" + std::to_string(b) + "=" + std::to_string(sum);
}

Task<int> countdown(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await countdown(n - 1);
}

Task<int> fails() {
  throw std::runtime_error("boom");
  co_return 0;
}

Task<std::string> catches() {
  try {
    co_await fails();
  } catch (const std::runtime_error& e) {
    co_return std::string("caught ") + e.what();
  }
  co_return "not thrown";
}

Task<void> log_into(std::vector<std::string>& log, std::string what) {
  log.push_back(std::move(what));
  co_return;
}

Task<int> sleepy(std::chrono::milliseconds delay, bool& elapsed) {
  elapsed = co_await bridgebot::core::sleep_for(delay);
  co_return 7;
}

}  // namespace

TEST_CASE("a task runs only when awaited or started, and hands its result back", "[core][task]") {
  std::string result;
  {
    Task<std::string> task = describe(2, 3);
    CHECK(result.empty());  // lazy: nothing ran yet
    start_detached(std::move(task), [&](std::string r) { result = std::move(r); });
  }
  CHECK(result == "2+3=5");
  CHECK(Tracked::alive == 0);
}

TEST_CASE("a task never started frees its frame and parameters without running", "[core][task]") {
  {
    Task<int> never = add(1, 2, Tracked{});
    CHECK(Tracked::alive == 1);  // the parameter lives in the frame
  }
  CHECK(Tracked::alive == 0);
}

TEST_CASE("a chain of tasks finishing at once hands each result up", "[core][task]") {
  int result = -1;
  start_detached(countdown(1000), [&](int r) { result = r; });
  CHECK(result == 1000);
}

TEST_CASE("an exception in an awaited task reaches its awaiter", "[core][task]") {
  std::string result;
  start_detached(catches(), [&](std::string r) { result = std::move(r); });
  CHECK(result == "caught boom");
}

TEST_CASE("Task<void> runs in order", "[core][task]") {
  std::vector<std::string> log;
  bool done = false;
  start_detached(log_into(log, "one"), [&] { done = true; });
  CHECK(done);
  CHECK(log == std::vector<std::string>{"one"});
}

TEST_CASE("a task sleeping on an executor resumes there, and a cancelled sleep says so",
          "[core][task][executor]") {
  ThreadExecutor executor(2);
  std::promise<std::pair<int, bool>> finished;
  bool elapsed = false;
  executor.post([&] {
    start_detached(sleepy(std::chrono::milliseconds(5), elapsed), [&](int value) {
      CHECK(Executor::current() == &executor);
      finished.set_value({value, elapsed});
    });
  });
  CHECK(finished.get_future().get() == std::pair<int, bool>{7, true});

  std::promise<bool> cancelled;
  bool elapsed_long = true;
  executor.post([&] {
    start_detached(sleepy(std::chrono::hours(1), elapsed_long),
                   [&](int) { cancelled.set_value(elapsed_long); });
  });
  auto result = cancelled.get_future();
  while (result.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
    executor.cancel_timers();  // the sleep may not have begun yet: cancel until it ends
  }
  CHECK_FALSE(result.get());
}
