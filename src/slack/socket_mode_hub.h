// Private to Socket Mode: what the network threads share with the supervisor and the recorders.
// Held by shared_ptr from every Link, because the net layer may deliver a connection's last
// events after SocketMode is gone; so it holds nothing of the SocketMode's (no SlackApi, no
// handler), only queues and counters.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bridgebot/slack/socket_mode.h"
#include "bridgebot/slack/socket_mode_link_state.h"

namespace bridgebot::slack::detail {

class Link;

struct AtomicCounters {
  std::atomic<std::uint64_t> envelopes{0}, acks{0}, ack_failures{0}, recorded{0},
      record_failures{0}, unknown_frames{0}, hellos{0}, disconnects{0}, reconnects{0},
      connect_failures{0};

  SocketModeCounters snapshot() const;
};

// What a Link tells the supervisor: the action its state machine chose.
struct LinkEvent {
  std::uint64_t link_id = 0;
  LinkAction action = LinkAction::none;
  std::string detail;  // close reason, disconnect reason
};

// An envelope waiting to be recorded, and the link its ack goes back on.
struct Received {
  Envelope envelope;
  std::weak_ptr<Link> link;
};

// Envelopes waiting for a recorder. Thread-safe.
class EnvelopeQueue {
 public:
  void push(Received received);
  // Blocks for the next envelope; nullopt once closed.
  std::optional<Received> pop();
  void close();

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Received> items_;
  bool closed_ = false;
};

struct Hub {
  AtomicCounters counters;
  EnvelopeQueue envelopes;
  std::atomic<int> last_hello_num_connections{0};  // Slack's count, from the latest hello

  // The supervisor's inbox.
  void post(LinkEvent event);
  // Waits until an event arrives, stop was asked, or `timeout` passed; takes every queued event.
  std::deque<LinkEvent> wait_events(std::chrono::milliseconds timeout);
  void request_stop();
  bool stop_requested() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<LinkEvent> events_;
  bool stopping_ = false;
};

}  // namespace bridgebot::slack::detail
