#include "bridgebot/net/event_loops.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cassert>
#include <string>

#include "bridgebot/core/hand_over_batch.h"
#include "bridgebot/core/thread_name.h"
#include "loop_set.h"

namespace bridgebot::net {
namespace {

namespace asio = boost::asio;
using detail::EventLoop;

thread_local EventLoop* current_loop = nullptr;

// On `loop`'s thread: waits `delay`, then runs `job`; at once with false if the timers are
// cancelled (still as a job of its own: the caller may be a coroutine suspending right now).
void arm(EventLoop& loop, std::chrono::steady_clock::duration delay, core::Executor::TimerJob job) {
  if (loop.owner.timers_cancelled) {
    asio::post(loop.io, [job = std::move(job)] { job(false); });
    return;
  }
  auto timer = loop.timers.emplace(loop.timers.end(), loop.io);
  timer->job = std::move(job);
  timer->timer.expires_after(delay);
  timer->timer.async_wait([&loop, timer](const boost::system::error_code& ec) {
    auto fired = std::move(timer->job);
    loop.timers.erase(timer);
    fired(!ec);
  });
}

}  // namespace

namespace detail {

std::size_t LoopSet::pick() noexcept {
  if (current_loop != nullptr && &current_loop->owner == this) return current_loop->index;
  return next.fetch_add(1, std::memory_order_relaxed) % loops.size();
}

}  // namespace detail

EventLoops::EventLoops(int loops, std::string name) : loops_(std::make_shared<detail::LoopSet>()) {
  const auto count = static_cast<std::size_t>(std::max(1, loops));
  for (std::size_t i = 0; i < count; ++i) {
    loops_->loops.push_back(std::make_unique<EventLoop>(*loops_, i));
  }
  for (auto& loop : loops_->loops) {
    std::string thread_name = count == 1 ? name : name + "-" + std::to_string(loop->index);
    loop->thread = std::thread([this, &loop = *loop, thread_name = std::move(thread_name)] {
      core::name_this_thread(thread_name);
      current_loop = &loop;
      set_current(this);
      // One job at a time, so that turn() tells jobs apart.
      do {
        next_turn();
      } while (loop.io.run_one() != 0);
    });
  }
}

EventLoops::~EventLoops() {
  shutdown();
}

void EventLoops::post(Job job) {
  if (loops_->joined) return;
  EventLoop& loop = *loops_->loops[loops_->pick()];
  auto* batch = core::HandOverBatch::current();
  if (batch == nullptr || current_loop != nullptr) return asio::post(loop.io, std::move(job));
  // The store writer handing a committed group's items to the deliveries: one post (and at most
  // one wake-up) per loop for the group, each job still a turn of its own there.
  batch->add(&loop, std::move(job), [set = loops_, &loop] {
    return [set, &loop](std::vector<Job> jobs) {
      if (set->joined) return;  // dropped, as a post after shutdown is
      asio::post(loop.io, [jobs = std::move(jobs)] {
        for (const Job& each : jobs) {
          next_turn();
          each();
        }
      });
    };
  });
}

void EventLoops::post_after(std::chrono::steady_clock::duration delay, TimerJob job) {
  if (loops_->joined) return;
  EventLoop& loop = *loops_->loops[loops_->pick()];
  if (current_loop == &loop) return arm(loop, delay, std::move(job));
  asio::post(loop.io,
             [&loop, delay, job = std::move(job)]() mutable { arm(loop, delay, std::move(job)); });
}

void EventLoops::cancel_timers() {
  // Set first: a timer armed after its loop ran the cancellation below sees it (arm() checks it
  // on the loop's thread).
  loops_->timers_cancelled = true;
  for (auto& loop : loops_->loops) {
    asio::post(loop->io, [&loop = *loop] {
      for (auto& timer : loop.timers) timer.timer.cancel();
    });
  }
}

void EventLoops::shutdown() {
  assert(current() != this);
  std::lock_guard lock(loops_->shutdown_mutex);
  if (loops_->joined) return;
  cancel_timers();
  // Each loop's run() returns once nothing is queued or in progress on it.
  for (auto& loop : loops_->loops) loop->work.reset();
  for (auto& loop : loops_->loops) loop->thread.join();
  loops_->joined = true;
}

}  // namespace bridgebot::net
