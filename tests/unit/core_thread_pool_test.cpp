#include <catch2/catch.hpp>
#include <future>

#include "bridgebot/core/thread_pool.h"

using bridgebot::core::ThreadPool;

TEST_CASE("try_post refuses jobs beyond max_queued instead of queueing them", "[core][pool]") {
  ThreadPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  REQUIRE(pool.try_post([&started, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the one thread is busy: later jobs wait in the queue

  std::atomic<int> ran{0};
  CHECK(pool.try_post([&ran] { ++ran; }));
  CHECK(pool.try_post([&ran] { ++ran; }));
  CHECK_FALSE(pool.try_post([&ran] { ++ran; }));  // two are waiting already

  release.set_value();
  pool.shutdown();
  CHECK(ran == 2);
}
