// Private to src/net: the loops behind net::EventLoops (event_loops.h), for the code that runs
// its I/O on them (the asynchronous HTTP client).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bridgebot/core/executor.h"

namespace bridgebot::net::detail {

struct LoopSet;

// One event loop: an io_context run by one thread, so what runs on it needs no lock.
struct EventLoop {
  EventLoop(LoopSet& owner_set, std::size_t position)
      : owner(owner_set), index(position), work(io.get_executor()) {}

  struct Timer {
    explicit Timer(boost::asio::io_context& context) : timer(context) {}
    boost::asio::steady_timer timer;
    core::Executor::TimerJob job;
  };

  LoopSet& owner;
  const std::size_t index;        // in owner.loops
  boost::asio::io_context io{1};  // one thread: posts from it go to its own queue, unlocked
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::list<Timer> timers;  // waiting ones; touched on this loop's thread only
  std::thread thread;
};

struct LoopSet {
  std::vector<std::unique_ptr<EventLoop>> loops;
  std::atomic<std::size_t> next{0};  // whose turn it is, for work from other threads
  std::atomic<bool> timers_cancelled{false};
  std::atomic<bool> joined{false};  // shut down: nothing runs on the loops any more
  std::mutex shutdown_mutex;

  // The index of the loop whose thread calls this when it is one of these, else the next in turn.
  std::size_t pick() noexcept;
};

}  // namespace bridgebot::net::detail
