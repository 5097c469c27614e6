#include "bridgebot/bridge/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <future>

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/thread_executor.h"
#include "bridgebot/core/thread_name.h"
#include "delivery.h"
#include "outcome_recorder.h"

namespace bridgebot::bridge {
namespace {

using store::ItemStatus;

using DeliverFunction = core::Task<Result<Completion>> (*)(DeliveryContext&, const ClaimedItem&,
                                                           const ActiveInstallation&);

// One row per outbox role (see outbox_payloads.h).
struct RoleHandler {
  std::string_view role;
  DeliverFunction deliver;
};

constexpr RoleHandler kRoleHandlers[] = {
    {kRoleRecipient, deliver_recipient},
    {kRoleSenderCopy, deliver_sender_copy},
    {kRoleDestination, deliver_notification},
    {kRolePlatformReply, deliver_platform_reply},
};

core::Task<Result<Completion>> deliver(DeliveryContext& context, const ClaimedItem& item,
                                       const ActiveInstallation& installation) {
  DeliverFunction handler = nullptr;
  for (const auto& row : kRoleHandlers) {
    if (row.role == item.row.role) handler = row.deliver;
  }
  if (handler == nullptr) co_return finished(ItemStatus::failed, "unknown_role");
  co_return co_await handler(context, item, installation);
}

// The attempt ended before anything was posted, for a reason that is not the item's: the
// dispatcher is stopping (a pacing wait cut short, or the gate closed) or the partition's lease
// is no longer fresh. The item goes back (hand_back_unsent).
bool not_sent_by_us(const Error& error) {
  return error.code == "cancelled" || error.code == "partition_lost";
}

DispatcherOptions with_lease_owner(DispatcherOptions options) {
  if (options.lease_owner.empty()) options.lease_owner = make_lease_owner(this_process());
  return options;
}

// What is kept of `item` while its outcome waits to be recorded: all but the payload.
PendingOutcome pending_for(const store::OutboxItem& item, PendingOutcome::Kind kind) {
  PendingOutcome pending;
  pending.kind = kind;
  pending.item = item;
  pending.item.payload_json.clear();
  pending.outcome.item_id = item.item_id;
  return pending;
}

// A claimed item that was never started goes back to the queue as it was.
PendingOutcome hand_back(const store::OutboxItem& item) {
  PendingOutcome pending = pending_for(item, PendingOutcome::Kind::hand_back);
  pending.outcome.status = ItemStatus::queued;
  pending.outcome.reason = item.reason;
  pending.outcome.next_attempt_at = item.next_attempt_at;
  pending.outcome.attempts = item.attempts;
  return pending;
}

// Whole seconds (the store's resolution), rounded up so a Retry-After is never cut short.
std::int64_t ceil_seconds(std::chrono::milliseconds delay) {
  return std::max<std::int64_t>(1, (delay.count() + 999) / 1000);
}

// When an item may go to Slack again after a Retry-After of which `left` remains: the first
// whole second surely past the window, however much of the clock's current second has gone by,
// so that no process calls inside it, one restarted meanwhile included.
store::UnixSeconds after_window(const core::Clock& clock, std::chrono::milliseconds left) {
  return clock.unix_seconds() + 1 + ceil_seconds(left);
}

// An attempt that ended before anything was sent (not_sent_by_us) goes back as it was; when a
// stop cut short its wait for Slack's Retry-After, due at the end of Slack's window, not at once.
PendingOutcome hand_back_unsent(const store::OutboxItem& item, const Error& error,
                                const core::Clock& clock) {
  PendingOutcome pending = hand_back(item);
  if (error.retry_after) {
    pending.outcome.next_attempt_at =
        std::max(item.next_attempt_at, after_window(clock, *error.retry_after));
  }
  return pending;
}

}  // namespace

Dispatcher::Dispatcher(store::Store& store, slack::SlackApi& slack,
                       InstallationDirectory& installations, Directory& directory,
                       const core::Clock& clock, DispatcherOptions options)
    : store_(store),
      slack_(slack),
      installations_(installations),
      directory_(directory),
      clock_(clock),
      options_(with_lease_owner(std::move(options))),
      partitions_(store, clock,
                  {options_.lease_owner,
                   options_.lease_ttl,
                   std::chrono::milliseconds(1000),
                   [this] { notify(); },
                   {}}),
      random_(std::random_device{}()),
      own_executor_(options_.executor != nullptr
                        ? nullptr
                        : std::make_unique<core::ThreadExecutor>(options_.workers)),
      executor_(options_.executor != nullptr ? options_.executor : own_executor_.get()),
      recorder_(std::make_unique<OutcomeRecorder>(
          store, options_.lease_owner, options_.store_retry, [this] { return next_jitter(); },
          [this](const std::vector<PendingOutcome>& recorded,
                 const std::vector<PendingOutcome>& dropped) { settled(recorded, dropped); })) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  partitions_.start();
  recorder_->start(options_.recorders);
  std::lock_guard lock(mutex_);
  claimer_ = std::thread([this] {
    core::name_this_thread("claimer");
    claim_loop();
  });
  spdlog::info("dispatcher: {} threads, up to {} items in flight, started as {}",
               std::max(1, options_.workers), max_in_flight(), options_.lease_owner);
}

void Dispatcher::stop() {
  std::thread claimer;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    claimer.swap(claimer_);
  }
  wake_.notify_all();
  if (claimer.joinable()) claimer.join();
  // Pacing waits end now: those items were not sent and go back as they were. Items not
  // started yet see stopping_ and go back too.
  executor_->cancel_timers();
  std::deque<ClaimedItem> unstarted;
  {
    std::lock_guard lock(mutex_);
    unstarted.swap(claimed_);
  }
  for (const auto& item : unstarted) recorder_->add(hand_back(item.row));
  {
    // An item in the middle of a Slack call finishes and its outcome is recorded.
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0 && reserved_ == 0; });
  }
  executor_->shutdown();
  recorder_->stop();
  partitions_.stop();  // after the outcomes: a partition goes only once its items are recorded
}

void Dispatcher::notify() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
    nothing_queued_ = false;
  }
  wake_.notify_all();
}

DispatcherMetrics Dispatcher::metrics() const {
  return {counters_.delivered.load(),     counters_.failed.load(),
          counters_.undeliverable.load(), counters_.ignored.load(),
          counters_.retried.load(),       counters_.claimed_at_accept.load(),
          counters_.claimed_later.load()};
}

void Dispatcher::claim_loop() {
  while (!stopping_) {
    std::uint64_t seen;
    std::size_t room;
    {
      std::lock_guard lock(mutex_);
      seen = wake_generation_;
      room = claim_room_locked();
    }
    if (room > 0 && claim_into_queue(room) > 0) continue;
    // A notify(), a recorded outcome (its key's next item may be due now) or a worker taking
    // the queue low changes the generation meanwhile: the wait returns at once.
    std::unique_lock lock(mutex_);
    // Nothing claimable and nothing of ours unfinished that a queued item could wait for:
    // until new work is queued, outcomes need not wake the claimer (items claimed at accept).
    if (room > 0 && wake_generation_ == seen && unrecorded_ == 0) nothing_queued_ = true;
    wake_.wait_for(lock, options_.poll_interval,
                   [&] { return stopping_ || wake_generation_ != seen; });
  }
}

std::size_t Dispatcher::claim_room_locked() const {
  const auto batch = static_cast<std::size_t>(std::max(1, options_.claim_batch));
  if (claimed_.size() > batch / 2) return 0;  // enough wait for a worker
  const std::size_t cap = 4 * batch;
  return unrecorded_ >= cap ? 0 : std::min(batch, cap - unrecorded_);
}

std::size_t Dispatcher::claim_into_queue(std::size_t limit) {
  const store::PartitionMask partitions = partitions_.claimable();
  if (partitions == 0) return 0;
  auto claimed = store_.claim_due(clock_.unix_seconds(), static_cast<int>(limit),
                                  options_.lease_owner, partitions);
  if (!claimed.ok()) {
    spdlog::warn("dispatcher: cannot claim work: {}", claimed.error().to_string());
    return 0;
  }
  const std::size_t count = claimed->size();
  if (count == 0) return 0;
  note_claimed(*claimed);
  std::lock_guard lock(mutex_);
  unrecorded_ += count;
  for (auto& item : *claimed) claimed_.push_back({std::move(item), nullptr});
  start_waiting_locked();
  return count;
}

std::size_t Dispatcher::max_in_flight() const {
  return static_cast<std::size_t>(std::max(1, options_.max_in_flight));
}

void Dispatcher::start_waiting_locked() {
  while (running_ < max_in_flight() && !claimed_.empty() && !stopping_) {
    ++running_;
    executor_->post([this, item = std::move(claimed_.front())]() mutable {
      core::start_detached(attempt_or_hand_back(std::move(item)),
                           [this](PendingOutcome outcome) { item_done(std::move(outcome)); });
    });
    claimed_.pop_front();
  }
}

void Dispatcher::item_done(PendingOutcome outcome) {
  recorder_->add(std::move(outcome));
  bool running_low = false;
  {
    std::lock_guard lock(mutex_);
    --running_;
    start_waiting_locked();
    // The claimer tops the queue up when it falls to half a batch, and again when it is empty.
    const auto half = static_cast<std::size_t>(std::max(1, options_.claim_batch)) / 2;
    running_low = (claimed_.size() == half || claimed_.empty()) && claim_room_locked() > 0 &&
                  !nothing_queued_;
    if (running_low) ++wake_generation_;
    if (running_ == 0 && reserved_ == 0) idle_.notify_all();
  }
  if (running_low) wake_.notify_all();
}

store::ClaimAtAccept Dispatcher::reserve(std::string_view team_id, int items) {
  const int partition = store::delivery_partition_of(team_id);
  const store::PartitionMask bit = store::PartitionMask{1} << partition;
  if (items <= 0 || (partitions_.claimable() & bit) == 0) return {};
  const auto wanted = static_cast<std::size_t>(items);
  {
    std::lock_guard lock(mutex_);
    const std::size_t cap = 4 * static_cast<std::size_t>(std::max(1, options_.claim_batch));
    const bool room = running_ + claimed_.size() + reserved_ + wanted <= max_in_flight() &&
                      unrecorded_ + wanted <= cap;
    if (stopping_ || !room) return {};
    reserved_ += wanted;
    unrecorded_ += wanted;
  }
  // Counted in hand from now: the partition is not given up under the accept.
  partitions_.claimed(partition, items);
  return {options_.lease_owner, bit, items};
}

void Dispatcher::hand_over(const store::ClaimAtAccept& reserved,
                           std::vector<store::OutboxItem> claimed,
                           std::shared_ptr<const MessagePayload> message) {
  if (reserved.limit <= 0) return;
  const auto wanted = static_cast<std::size_t>(reserved.limit);
  const std::size_t taken = std::min(claimed.size(), wanted);
  claimed.resize(taken);  // never more than reserved (the store keeps to the limit)
  const int partition = std::countr_zero(reserved.partitions);
  if (taken < wanted) partitions_.finished(partition, static_cast<int>(wanted - taken));
  counters_.claimed_at_accept += taken;
  if (taken > 0) {
    std::lock_guard lock(teams_mutex_);
    team_partitions_.try_emplace(claimed.front().team_id, partition);
  }
  bool stopped = false;
  {
    std::lock_guard lock(mutex_);
    // Checked with the queue under one lock: stop() hands back what it finds queued.
    stopped = stopping_;
    if (!stopped) {
      for (auto& item : claimed) claimed_.push_back({std::move(item), message});
      start_waiting_locked();
    }
  }
  // stop() waits for reserved_ to fall to 0 before it stops the recorder.
  if (stopped) {
    for (const auto& item : claimed) recorder_->add(hand_back(item));
  }
  std::lock_guard lock(mutex_);
  reserved_ -= wanted;
  unrecorded_ -= wanted - taken;
  if (running_ == 0 && reserved_ == 0) idle_.notify_all();
}

int Dispatcher::run_once() {
  partitions_.refresh_when_due();
  const store::PartitionMask partitions = partitions_.claimable();
  if (partitions == 0) return 0;
  auto claimed = store_.claim_due(clock_.unix_seconds(), options_.claim_batch, options_.lease_owner,
                                  partitions);
  if (!claimed.ok()) {
    spdlog::warn("dispatcher: cannot claim work: {}", claimed.error().to_string());
    return 0;
  }
  note_claimed(*claimed);
  {
    std::lock_guard lock(mutex_);
    unrecorded_ += claimed->size();
  }
  std::size_t done = 0;
  for (; done < claimed->size() && !stopping_; ++done) {
    // One at a time, on the executor (the Slack calls resume there), waiting for each.
    std::promise<PendingOutcome> outcome;
    executor_->post([&] {
      core::start_detached(attempt_or_hand_back({(*claimed)[done], nullptr}),
                           [&](PendingOutcome o) { outcome.set_value(std::move(o)); });
    });
    recorder_->add(outcome.get_future().get());
  }
  // Stopping: hand back what was claimed but not started, as it was.
  for (std::size_t i = done; i < claimed->size(); ++i) recorder_->add(hand_back((*claimed)[i]));
  recorder_->flush();
  return static_cast<int>(done);
}

void Dispatcher::note_claimed(const std::vector<store::OutboxItem>& items) {
  counters_.claimed_later += items.size();
  for (const auto& item : items) partitions_.claimed(item.partition);
  std::lock_guard lock(teams_mutex_);
  for (const auto& item : items) team_partitions_.try_emplace(item.team_id, item.partition);
}

bool Dispatcher::may_send(std::string_view team_id) const {
  if (stopping_) return false;  // what has not gone out yet goes back
  int partition = -1;
  {
    std::lock_guard lock(teams_mutex_);
    auto it = team_partitions_.find(std::string(team_id));
    if (it == team_partitions_.end()) return true;  // not a team this dispatcher delivers for
    partition = it->second;
  }
  return partitions_.may_deliver(partition);
}

core::Task<PendingOutcome> Dispatcher::attempt_or_hand_back(ClaimedItem claimed) {
  // Not started before stop(); or its partition's lease is no longer fresh: it may be another
  // process's by now.
  if (stopping_ || !partitions_.may_deliver(claimed.row.partition)) {
    co_return hand_back(claimed.row);
  }
  co_return co_await attempt(claimed);
}

core::Task<PendingOutcome> Dispatcher::attempt(const ClaimedItem& claimed) {
  const store::OutboxItem& item = claimed.row;
  auto installation = installations_.active_shared(item.team_id);
  if (!installation.ok()) {
    if (installation.error().code == "unknown_team") {
      co_return finish(item, finished(ItemStatus::failed, "unknown_team"));
    }
    co_return retry_or_fail(item, installation.error());
  }

  DeliveryContext context{store_,         slack_,          installations_, directory_,
                          options_.relay, options_.routes, dm_channels_,   options_.replies};
  auto attempt = co_await deliver(context, claimed, **installation);
  if (!attempt.ok() && attempt.error().code == "token_expired") {
    // Once per attempt. A token that is expired again right after the refresh was rotated by
    // another process meanwhile: a later attempt reads the stored token, so it is retried with
    // the backoff instead of failing the message.
    // Awaited: oauth.v2.access and a wait for another refresher's lease hold no thread.
    auto refreshed = co_await installations_.refresh_expired_async(slack_, item.team_id,
                                                                   (*installation)->bot_token);
    if (refreshed.ok()) {
      attempt = co_await deliver(context, claimed, *refreshed);
      if (!attempt.ok() && attempt.error().code == "token_expired") {
        Error again = attempt.error();
        again.transient = true;
        attempt = again;
      }
    } else {
      attempt = refreshed.error();
    }
  }
  if (attempt.ok()) co_return finish(item, *attempt);
  if (not_sent_by_us(attempt.error())) co_return hand_back_unsent(item, attempt.error(), clock_);
  co_return retry_or_fail(item, attempt.error());
}

PendingOutcome Dispatcher::finish(const store::OutboxItem& item, const Completion& completion) {
  PendingOutcome pending = pending_for(item, PendingOutcome::Kind::finished);
  pending.outcome.status = completion.status;
  pending.outcome.reason = completion.reason;
  pending.outcome.deliveries = completion.deliveries;
  return pending;
}

PendingOutcome Dispatcher::retry_or_fail(const store::OutboxItem& item, const Error& error) {
  // Our own pacing holding a call back (many lookups or posts for one workspace at once) is
  // no failure of the item: it waits for its slot without using up its attempts.
  const int attempts = error.not_attempted ? item.attempts : item.attempts + 1;
  if (!error.transient || attempts >= options_.max_attempts) {
    spdlog::warn("dispatcher: giving up on {} item {} of team {} after {} attempt(s): {}",
                 item.role, item.item_id, item.team_id, attempts, error.to_string());
    return finish(item, finished(ItemStatus::failed, error.code));
  }
  const auto delay = error.retry_after
                         ? *error.retry_after
                         : slack::backoff_delay(options_.backoff, attempts - 1, next_jitter());
  PendingOutcome pending = pending_for(item, PendingOutcome::Kind::retry);
  pending.outcome.status = ItemStatus::queued;
  pending.outcome.reason = error.code;
  pending.outcome.next_attempt_at = clock_.unix_seconds() + ceil_seconds(delay);
  pending.outcome.attempts = attempts;
  pending.error = error.to_string();
  return pending;
}

void Dispatcher::settled(const std::vector<PendingOutcome>& recorded,
                         const std::vector<PendingOutcome>& dropped) {
  // A retry or a hand-back is queued again.
  const bool requeued = std::any_of(
      recorded.begin(), recorded.end(),
      [](const PendingOutcome& pending) { return pending.kind != PendingOutcome::Kind::finished; });
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    unrecorded_ -= recorded.size() + dropped.size();
    if (requeued || !dropped.empty()) nothing_queued_ = false;
    wake = !nothing_queued_;
    if (wake) ++wake_generation_;  // room to claim, and the next items of these keys may be due
  }
  if (wake) wake_.notify_all();
  // Not in this process's hands any more: their partitions may be given up.
  for (const auto& pending : recorded) {
    partitions_.finished(pending.item.partition);
    log_recorded(pending);
  }
  for (const auto& pending : dropped) partitions_.finished(pending.item.partition);
}

void Dispatcher::log_recorded(const PendingOutcome& pending) {
  const store::OutboxItem& item = pending.item;
  const store::Outcome& outcome = pending.outcome;
  if (pending.kind == PendingOutcome::Kind::hand_back) return;
  if (pending.kind == PendingOutcome::Kind::retry) {
    ++counters_.retried;
    spdlog::info("dispatcher: {} item {} of team {} retries in {} s: {}", item.role, item.item_id,
                 item.team_id, outcome.next_attempt_at - clock_.unix_seconds(), pending.error);
    return;
  }
  switch (outcome.status) {
    case ItemStatus::delivered:
      ++counters_.delivered;
      spdlog::debug("dispatcher: {} item {} of {} delivered", item.role, item.item_id,
                    item.source_id);
      return;
    case ItemStatus::ignored:
      ++counters_.ignored;
      spdlog::debug("dispatcher: {} item {} of {} ignored: {}", item.role, item.item_id,
                    item.source_id, outcome.reason);
      return;
    case ItemStatus::undeliverable:
      ++counters_.undeliverable;
      spdlog::info("dispatcher: {} item {} of {} undeliverable: {}", item.role, item.item_id,
                   item.source_id, outcome.reason);
      return;
    default:
      ++counters_.failed;
      spdlog::warn("dispatcher: {} item {} of {} failed: {}", item.role, item.item_id,
                   item.source_id, outcome.reason);
      return;
  }
}

double Dispatcher::next_jitter() {
  if (options_.jitter) return options_.jitter();
  std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

}  // namespace bridgebot::bridge
