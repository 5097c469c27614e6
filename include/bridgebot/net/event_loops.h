// EventLoops: a core::Executor of single-threaded event loops that also run the I/O of the
// asynchronous HTTP clients made on them (make_async_http_client(options, loops), async_http.h).
// Each loop has its own share of such a client's connections, and a request sent from a loop is
// carried and answered on that loop: a coroutine awaiting the answer resumes right where it is
// read, with no hand-off to another thread per call. Free of Boost, like the rest of net's
// public headers.
//
// A job or timer set from one of the loops stays on that loop (in posting order there); from any
// other thread the loops take turns. Jobs posted from another thread while a core::HandOverBatch
// lives there reach their loops when it ends, each loop's in one wake-up. Loops run at the same
// time, so a job must not block for long: it holds up every job and connection of its loop.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bridgebot/core/executor.h"

namespace bridgebot::net {

namespace detail {
struct LoopSet;
}

class EventLoops final : public core::Executor {
 public:
  // At least one loop. Its threads are named `name`, with their number when there are several
  // (core/thread_name.h).
  explicit EventLoops(int loops, std::string name = "event-loop");
  ~EventLoops() override;  // shutdown()
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  void post(Job job) override;
  void post_after(std::chrono::steady_clock::duration delay, TimerJob job) override;
  void cancel_timers() override;
  // Also waits for the I/O still in progress on the loops (a request in flight runs to its
  // answer or its timeout).
  void shutdown() override;

  // For src/net: the loops themselves.
  detail::LoopSet& loop_set() noexcept { return *loops_; }

 private:
  // Shared with the hand-over batches holding jobs for the loops (core/hand_over_batch.h).
  std::shared_ptr<detail::LoopSet> loops_;
};

}  // namespace bridgebot::net
