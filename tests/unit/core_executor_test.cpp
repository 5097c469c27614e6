// ThreadExecutor: jobs on a few threads, timers without a thread each, cancellation for shutdown.
#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "bridgebot/core/thread_executor.h"
#include "support/wait_until.h"

using bridgebot::core::Executor;
using bridgebot::core::ThreadExecutor;
using namespace std::chrono_literals;

TEST_CASE("posted jobs run on the executor's threads", "[core][executor]") {
  ThreadExecutor executor(2);
  std::atomic<int> on_executor{0};
  for (int i = 0; i < 100; ++i) {
    executor.post([&] {
      if (Executor::current() == &executor) ++on_executor;
    });
  }
  executor.shutdown();
  CHECK(on_executor == 100);
  CHECK(Executor::current() == nullptr);
}

TEST_CASE("timers fire by due time, and a thousand waiting timers need no thread each",
          "[core][executor]") {
  ThreadExecutor executor(1);
  std::mutex mutex;
  std::vector<int> fired;
  auto record = [&](int id) {
    return [&, id](bool elapsed) {
      std::lock_guard lock(mutex);
      if (elapsed) fired.push_back(id);
    };
  };
  executor.post_after(300ms, record(-1));  // posted first, due last
  for (int i = 0; i < 1000; ++i) executor.post_after(std::chrono::microseconds(i), record(i));
  // While they wait, the one thread still runs jobs.
  std::promise<void> ran;
  executor.post([&] { ran.set_value(); });
  ran.get_future().get();
  REQUIRE(bridgebot::test::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return fired.size() == 1001;
      },
      10s));
  std::lock_guard lock(mutex);
  CHECK(fired.back() == -1);
}

TEST_CASE("cancel_timers runs waiting and later timers at once, as not elapsed",
          "[core][executor]") {
  ThreadExecutor executor(2);
  std::promise<bool> first;
  executor.post_after(1h, [&](bool elapsed) { first.set_value(elapsed); });
  executor.cancel_timers();
  CHECK_FALSE(first.get_future().get());
  std::promise<bool> later;
  executor.post_after(1h, [&](bool elapsed) { later.set_value(elapsed); });
  CHECK_FALSE(later.get_future().get());
}

TEST_CASE("shutdown runs what is posted, including jobs posted by jobs, then joins",
          "[core][executor]") {
  std::atomic<int> ran{0};
  {
    ThreadExecutor executor(2);
    for (int i = 0; i < 10; ++i) {
      executor.post([&] {
        ++ran;
        executor.post([&] { ++ran; });
      });
    }
    executor.post_after(1h, [&](bool elapsed) { ran += elapsed ? 100 : 1; });
    executor.shutdown();
    CHECK(ran == 21);
    executor.post([&] { ++ran; });  // dropped
  }
  CHECK(ran == 21);
}
