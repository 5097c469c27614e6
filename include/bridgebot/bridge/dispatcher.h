// Dispatcher: turns accepted outbox items into Slack messages.
//
// Three stages, so that no thread waits for a commit per item, nor for Slack:
//   - one claimer thread claims due items in batches (claim_batch per transaction) under this
//     dispatcher's lease owner id into an in-memory queue, topping it up when it runs low; an
//     item that can start at once is claimed by its accept instead, in the accept's transaction
//     (AcceptHandoff, store::ClaimAtAccept), and handed over by the accepting thread, so it
//     costs no claim and no hop through the claimer;
//   - each item's delivery (relay DMs, sender copies, notifications, platform replies) is a
//     coroutine on a small executor (core/executor.h; in bridgebot the event loops that also carry
//     its Slack calls, net/event_loops.h, so an answer resumes its delivery in place): up to
//     max_in_flight run at once, and one that waits (for Slack's answer, a pacing slot, a
//     Retry-After) holds no thread, so a workspace held back by Slack's limits does not hold back
//     the others; store and directory reads run in place on the executor threads (short point
//     reads: they hold up that loop's other deliveries and connections meanwhile);
//   - recorder threads write the outcomes (complete or reschedule) in batches, one transaction
//     each (src/bridge/outcome_recorder.h), while deliveries go on.
// Per-recipient and per-thread order comes from the items' ordering keys: the store never hands
// out an item while an earlier one with its key is queued or in flight, and an item stays in
// flight until its outcome is recorded, however many items a claim returns. The claimer wakes at
// once on notify() and otherwise polls every poll_interval.
//
// Recording an outcome is repeated with backoff while the store fails, so a busy or full store
// delays the item's recipient but does not strand them; what is still unrecorded when the
// dispatcher stops stays in flight and is re-queued when its partition is taken over (at once by
// the next start on this machine; at least once). At most
// 4 x claim_batch items are claimed and not yet recorded, so a stalled store bounds the memory.
//
// Failures: transient errors (5xx, network, rate limits) are rescheduled with jittered
// exponential backoff, or exactly Retry-After, until max_attempts, then the item fails with the
// last Slack error as its reason (a call our own pacing held back, unsent, costs no attempt);
// token_expired refreshes the installation once and retries at once; every other error fails the
// item with Slack's code as the reason.
//
// Several processes on one store share the work by partitions of workspaces (see
// DeliveryPartitions): the claimer claims only from the partitions this process holds, sends an
// item only while its partition's lease is fresh, and records outcomes fenced by its lease owner
// id (an item re-queued by a process that took the partition over is not recorded from here).
//
// Lifetime and threads: start() once, stop() (or the destructor) joins the threads and hands the
// partitions over; an item in the middle of a Slack call finishes and its outcome is recorded
// (nothing new is sent for it: may_send() turns false), items claimed but not started, or waiting
// out a pacing wait or Retry-After (cut short), go back to the queue as they were, and anything
// left in_flight by a crash is re-queued by whichever process takes its partition over next.
// notify() and metrics() may be called from any thread, including event loop threads (they
// never block on I/O). The referenced objects must outlive the Dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bridgebot/bridge/accept_handoff.h"
#include "bridgebot/bridge/claimed_item.h"
#include "bridgebot/bridge/delivery_partitions.h"
#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/dm_channels.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/platform_replies.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/executor.h"
#include "bridgebot/core/task.h"
#include "bridgebot/slack/backoff.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct DispatcherOptions {
  // Runs the deliveries; the dispatcher's stop() shuts it down, so it serves this dispatcher
  // alone. Must outlive the Dispatcher. Null: a core::ThreadExecutor of `workers` threads.
  core::Executor* executor = nullptr;
  int workers = 2;  // executor threads running the deliveries (the 2-core target: 2)
  // Most deliveries under way at once (each awaiting Slack, a pacing slot or a store read). The
  // claim cap bounds it too: at most 4 x claim_batch items are claimed and not yet recorded.
  int max_in_flight = 512;
  // Most items claimed in one transaction, and about the most kept waiting to start.
  int claim_batch = 64;
  // Threads recording outcomes; each writes its share of what is waiting as one transaction, so
  // a store that writes a batch item by item still has several writes to fold into one commit.
  int recorders = 2;
  std::chrono::milliseconds poll_interval{1000};
  int max_attempts = 8;
  slack::BackoffPolicy backoff{std::chrono::seconds(2), 2.0, std::chrono::minutes(5)};
  // Recording an outcome (complete, reschedule) is repeated with this backoff while the store
  // fails (busy, disk full, connection lost): an item left in flight would hold back every later
  // item of its recipient.
  slack::BackoffPolicy store_retry{std::chrono::milliseconds(200), 2.0, std::chrono::seconds(10)};
  // Identifies this process's claims and leases in the store; empty: make_lease_owner() for
  // this process (lease_owner.h).
  std::string lease_owner;
  // How long a partition lease lasts without renewal: another process takes a crashed holder's
  // partitions over this long after it stopped renewing (at once when it ran on this machine),
  // so within 10 s with the renewal tick and the store's whole seconds.
  std::chrono::seconds lease_ttl{8};
  // Returns a number in [0, 1) that spreads retries; empty: a random generator. Tests pin it.
  std::function<double()> jitter;
  core::RelayConfig relay;
  std::vector<core::NotificationRoute> routes;
  // Where "platform_reply" items go (platform.reply_webhook_url); null: replies are off. Must
  // outlive the Dispatcher.
  PlatformReplySender* replies = nullptr;
};

struct Completion;      // one attempt's final outcome (src/bridge/delivery.h)
struct PendingOutcome;  // an outcome waiting to be recorded (src/bridge/outcome_recorder.h)
class OutcomeRecorder;

// Counters since start, for /metrics. Every outcome counts once per item; retried counts
// reschedules.
struct DispatcherMetrics {
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t undeliverable = 0;
  std::uint64_t ignored = 0;
  std::uint64_t retried = 0;
  // Items taken for delivery: by their accept (claim at accept), by the claimer.
  std::uint64_t claimed_at_accept = 0;
  std::uint64_t claimed_later = 0;
};

class Dispatcher final : public AcceptHandoff {
 public:
  Dispatcher(store::Store& store, slack::SlackApi& slack, InstallationDirectory& installations,
             Directory& directory, const core::Clock& clock, DispatcherOptions options);
  ~Dispatcher() override;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the claimer and recorder threads (the executor runs from construction).
  void start();
  // Joins the threads (see the header comment for in-flight items). Idempotent.
  void stop();
  // New work was accepted: wake the claimer now instead of at the next poll.
  void notify();

  // Claims one batch of due items from the partitions this process holds, delivers it and
  // records the outcomes, one item at a time, waiting on the calling thread; returns how many
  // items were processed. For tests and one-shot tools; not needed after start().
  int run_once();

  DispatcherMetrics metrics() const;

  // Whether a Slack call for `team_id` may go out now: false once the partition of the team's
  // items claimed here is no longer fresh in this process (renewal late, or taken over), and for
  // every team once stop() began. For the Slack client's check right before each send, since a
  // rate-limit wait can outlast the hold. A send refused with the error code "partition_lost"
  // hands the item back as it was.
  bool may_send(std::string_view team_id) const;

  // Claim at accept (AcceptHandoff): room is reserved only for a partition held fresh here, and
  // only when every reserved item could start at once (within max_in_flight, and the claim cap
  // counts it); handed-over items start on the executor, as claimed ones do.
  store::ClaimAtAccept reserve(std::string_view team_id, int items) override;
  void hand_over(const store::ClaimAtAccept& reserved, std::vector<store::OutboxItem> claimed,
                 std::shared_ptr<const MessagePayload> message) override;

 private:
  struct Counters {
    std::atomic<std::uint64_t> delivered{0}, failed{0}, undeliverable{0}, ignored{0}, retried{0},
        claimed_at_accept{0}, claimed_later{0};
  };

  void claim_loop();
  std::size_t max_in_flight() const;
  // Starts claimed items on the executor while fewer than max_in_flight run. Call with mutex_.
  void start_waiting_locked();
  // An item's delivery coroutine ended: record its outcome, start the next.
  void item_done(PendingOutcome outcome);
  // How many items the claimer should claim now (0: enough wait to start, or too many are
  // unrecorded). Call with mutex_ held.
  std::size_t claim_room_locked() const;
  // Claims up to `limit` items into the queue; returns how many.
  std::size_t claim_into_queue(std::size_t limit);
  // Counts claimed items against their partitions and remembers their teams' partitions.
  void note_claimed(const std::vector<store::OutboxItem>& items);
  // One attempt at one item (the Slack calls, then what to record), or the item handed back
  // when its partition's lease is no longer fresh or the dispatcher is stopping.
  core::Task<PendingOutcome> attempt_or_hand_back(ClaimedItem claimed);
  core::Task<PendingOutcome> attempt(const ClaimedItem& claimed);
  PendingOutcome finish(const store::OutboxItem& item, const Completion& completion);
  PendingOutcome retry_or_fail(const store::OutboxItem& item, const Error& error);
  // A batch of outcomes was recorded, or is no longer ours to record: counters, logs, room to
  // claim.
  void settled(const std::vector<PendingOutcome>& recorded,
               const std::vector<PendingOutcome>& dropped);
  void log_recorded(const PendingOutcome& outcome);
  double next_jitter();

  store::Store& store_;
  slack::SlackApi& slack_;
  InstallationDirectory& installations_;
  Directory& directory_;
  const core::Clock& clock_;
  DispatcherOptions options_;
  Counters counters_;
  DmChannels dm_channels_;
  DeliveryPartitions partitions_;
  mutable std::mutex teams_mutex_;
  std::unordered_map<std::string, int> team_partitions_;  // from claimed items

  // Set under mutex_ (so no waiting thread misses it), read without it between items.
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;              // guards the fields below
  std::condition_variable wake_;  // the claimer waits: new work, room, or a notify()
  std::condition_variable idle_;  // stop() waits: running_ and reserved_ fell to 0
  std::uint64_t wake_generation_ = 0;
  // The last claim found nothing while nothing of this process was unfinished, and no work was
  // queued since (notify(), a retry, a hand-back): outcomes need not wake the claimer, which
  // still polls every poll_interval.
  bool nothing_queued_ = false;
  std::deque<ClaimedItem> claimed_;  // claimed, waiting to start
  std::size_t running_ = 0;          // started on the executor, outcome not yet added
  std::size_t reserved_ = 0;         // room reserved by accepts not yet handed over
  std::size_t unrecorded_ = 0;       // claimed and not yet settled
  std::thread claimer_;
  std::mt19937_64 random_;
  std::unique_ptr<core::Executor> own_executor_;  // when options_.executor is null
  core::Executor* executor_;                      // runs the delivery coroutines
  // Last: its threads call back into the members above, so it goes first.
  std::unique_ptr<OutcomeRecorder> recorder_;
};

}  // namespace bridgebot::bridge
