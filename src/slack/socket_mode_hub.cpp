#include "socket_mode_hub.h"

namespace bridgebot::slack::detail {

SocketModeCounters AtomicCounters::snapshot() const {
  SocketModeCounters c;
  c.envelopes = envelopes.load();
  c.acks = acks.load();
  c.ack_failures = ack_failures.load();
  c.recorded = recorded.load();
  c.record_failures = record_failures.load();
  c.unknown_frames = unknown_frames.load();
  c.hellos = hellos.load();
  c.disconnects = disconnects.load();
  c.reconnects = reconnects.load();
  c.connect_failures = connect_failures.load();
  return c;
}

void EnvelopeQueue::push(Received received) {
  {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(received));
  }
  ready_.notify_one();
}

std::optional<Received> EnvelopeQueue::pop() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
  if (closed_) return std::nullopt;
  Received received = std::move(items_.front());
  items_.pop_front();
  return received;
}

void EnvelopeQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

void Hub::post(LinkEvent event) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  wake_.notify_one();
}

std::deque<LinkEvent> Hub::wait_events(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, timeout, [&] { return stopping_ || !events_.empty(); });
  std::deque<LinkEvent> taken;
  taken.swap(events_);
  return taken;
}

void Hub::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool Hub::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

}  // namespace bridgebot::slack::detail
