#include "delayed_responses.h"

#include <utility>

namespace bridgebot::emulator {

DelayedResponses::DelayedResponses() : worker_([this] { run(); }) {}

DelayedResponses::~DelayedResponses() {
  flush_and_stop();
}

void DelayedResponses::schedule(std::chrono::milliseconds delay, net::Responder respond,
                                net::HttpResponse response) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push({std::chrono::steady_clock::now() + delay, next_order_++, std::move(respond),
                     std::move(response)});
      wake_.notify_one();
      return;
    }
  }
  respond(std::move(response));
}

void DelayedResponses::flush_and_stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (worker_.joinable()) worker_.join();
}

void DelayedResponses::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (!stopping_ && pending_.empty()) {
      wake_.wait(lock);
      continue;
    }
    if (pending_.empty()) return;  // stopping and nothing left
    // A copy: wait_until reads the deadline while unlocked, when a push may move the queue.
    Due due = pending_.top().due;
    if (!stopping_ && std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    // priority_queue::top() is const; the entry is popped right after, so moving is safe.
    Pending next = std::move(const_cast<Pending&>(pending_.top()));
    pending_.pop();
    lock.unlock();
    next.respond(std::move(next.response));
    lock.lock();
  }
}

}  // namespace bridgebot::emulator
