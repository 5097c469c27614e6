// The durable inbox of Slack events. Socket Mode and the Events API over HTTP both call record()
// before they tell Slack an event arrived (the ack, the 200): an event Slack considers delivered
// is in the store, so a crash loses none, and Slack's retries of it (same event_id, before or
// after a restart) are recognised and not handled again.
//
// A worker thread hands recorded events to the EventHandler one at a time, oldest first, in the
// one process that holds the store's "events" lease (several replicas may record; one handles).
// A transient failure (Slack down, rate limited, store busy) is retried with backoff up to
// max_attempts; a permanent one is logged and the event finished. Done events keep only their
// event_id and are pruned after `retention`, which bounds the inbox and is the window in which a
// repeated event_id counts as a duplicate (Slack retries within minutes).
//
// Thread safety: record() may be called from any number of threads; start/stop from one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "bridgebot/bridge/delivery_lease.h"
#include "bridgebot/bridge/events.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/slack/backoff.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct EventInboxOptions {
  // Identifies this process in the events lease; empty: made up from the pid and random bytes.
  std::string lease_owner;
  std::chrono::seconds lease_ttl{10};  // a crashed holder's events are taken over this late
  std::chrono::milliseconds poll_interval{1000};  // due retries are looked for this often
  int max_attempts = 6;
  slack::BackoffPolicy backoff{std::chrono::seconds(2), 4.0, std::chrono::minutes(10)};
  std::chrono::hours retention{24};
  std::chrono::minutes prune_interval{10};
  std::function<double()> jitter;  // [0, 1); empty: random. Tests pin it.
};

// One Events API event_callback as Slack sent it.
struct IncomingEvent {
  std::string event_id;
  std::string team_id;
  std::string event_type;
  std::string event_json;  // the `event` object
};

// Counters since start, for /metrics.
struct EventInboxMetrics {
  std::uint64_t recorded = 0;    // new events written to the inbox
  std::uint64_t duplicates = 0;  // deliveries of an event_id already recorded
  std::uint64_t handled = 0;     // events the handler finished (successfully or not)
  std::uint64_t retried = 0;     // transient failures put back for later
  std::uint64_t given_up = 0;    // events finished without success
};

class EventInbox {
 public:
  // `store` and `handler` must outlive the inbox.
  EventInbox(store::Store& store, EventHandler& handler, const core::Clock& clock,
             EventInboxOptions options = {});
  ~EventInbox();  // stop()
  EventInbox(const EventInbox&) = delete;
  EventInbox& operator=(const EventInbox&) = delete;

  void start();
  // Lets the event in hand finish, puts the rest of the batch back and gives the lease up.
  // Idempotent.
  void stop();

  // Records `event` durably unless its event_id is already there. Returns whether it was new;
  // an error means it is not recorded (do not acknowledge it: Slack will send it again).
  // Blocks for one (group) commit.
  Result<bool> record(const IncomingEvent& event);

  EventInboxMetrics metrics() const;

 private:
  void work();
  // Claims and handles one batch; returns how many events it took.
  int handle_batch();
  void handle(const store::InboxEvent& event);
  void wait_for_work();

  store::Store& store_;
  EventHandler& handler_;
  const core::Clock& clock_;
  const EventInboxOptions options_;
  DeliveryLease lease_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool work_arrived_ = false;
  core::Clock::TimePoint next_prune_{};

  std::atomic<std::uint64_t> recorded_{0}, duplicates_{0}, handled_{0}, retried_{0}, given_up_{0};
  std::thread worker_;
};

}  // namespace bridgebot::bridge
