#include "bridgebot/bridge/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/core/crypto.h"
#include "delivery.h"

namespace bridgebot::bridge {
namespace {

using store::ItemStatus;

using DeliverFunction = Result<Completion> (*)(DeliveryContext&, const store::OutboxItem&,
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

Result<Completion> deliver(DeliveryContext& context, const store::OutboxItem& item,
                           const ActiveInstallation& installation) {
  for (const auto& handler : kRoleHandlers) {
    if (handler.role == item.role) return handler.deliver(context, item, installation);
  }
  return finished(ItemStatus::failed, "unknown_role");
}

DispatcherOptions with_lease_owner(DispatcherOptions options) {
  if (options.lease_owner.empty()) options.lease_owner = make_lease_owner(this_process());
  return options;
}

// Whole seconds (the store's resolution), rounded up so a Retry-After is never cut short.
std::int64_t ceil_seconds(std::chrono::milliseconds delay) {
  return std::max<std::int64_t>(1, (delay.count() + 999) / 1000);
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
      random_(std::random_device{}()) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  partitions_.start();
  std::lock_guard lock(mutex_);
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { work(); });
  }
  spdlog::info("dispatcher: {} workers started as {}", workers_.size(), options_.lease_owner);
}

void Dispatcher::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
  }
  wake_.notify_all();
  for (auto& worker : workers) worker.join();
  partitions_.stop();
}

void Dispatcher::notify() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

DispatcherMetrics Dispatcher::metrics() const {
  return {counters_.delivered.load(), counters_.failed.load(), counters_.undeliverable.load(),
          counters_.ignored.load(), counters_.retried.load()};
}

void Dispatcher::work() {
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = wake_generation_;
    }
    if (run_once() > 0) continue;
    // A notify() that came while claiming changed the generation: the wait returns at once.
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll_interval,
                   [&] { return stopping_ || wake_generation_ != seen; });
  }
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
  for (const auto& item : *claimed) partitions_.claimed(item.partition);
  std::size_t done = 0;
  for (; done < claimed->size() && !stopping_; ++done) {
    const auto& item = (*claimed)[done];
    // A partition whose lease is no longer fresh may be another process's by now.
    if (partitions_.may_deliver(item.partition)) {
      process(item);
    } else {
      hand_back(item);
    }
    partitions_.finished(item.partition);
  }
  // Stopping: hand back what this worker claimed but did not start, as it was.
  for (std::size_t i = done; i < claimed->size(); ++i) {
    hand_back((*claimed)[i]);
    partitions_.finished((*claimed)[i].partition);
  }
  return static_cast<int>(done);
}

void Dispatcher::hand_back(const store::OutboxItem& item) {
  auto released = store_.reschedule(item.item_id, options_.lease_owner, item.next_attempt_at,
                                    item.reason, item.attempts);
  if (!released.ok() && released.error().code != "conflict") {
    spdlog::warn("dispatcher: item {} stays in flight until its partition is taken over: {}",
                 item.item_id, released.error().to_string());
  }
}

void Dispatcher::process(const store::OutboxItem& item) {
  auto installation = installations_.active(item.team_id);
  if (!installation.ok()) {
    if (installation.error().code == "unknown_team") {
      finish(item, finished(ItemStatus::failed, "unknown_team"));
    } else {
      retry_or_fail(item, installation.error());
    }
    return;
  }

  DeliveryContext context{store_,         slack_,          installations_, directory_,
                          options_.relay, options_.routes, dm_channels_,   options_.replies};
  auto attempt = deliver(context, item, *installation);
  if (!attempt.ok() && attempt.error().code == "token_expired") {
    // Once per attempt. A token that is expired again right after the refresh was rotated by
    // another process meanwhile: a later attempt reads the stored token, so it is retried with
    // the backoff instead of failing the message.
    auto refreshed = installations_.refresh_expired(item.team_id, installation->bot_token);
    if (refreshed.ok()) {
      attempt = deliver(context, item, *refreshed);
      if (!attempt.ok() && attempt.error().code == "token_expired") {
        Error again = attempt.error();
        again.transient = true;
        attempt = again;
      }
    } else {
      attempt = refreshed.error();
    }
  }
  if (attempt.ok()) {
    finish(item, *attempt);
  } else {
    retry_or_fail(item, attempt.error());
  }
}

void Dispatcher::finish(const store::OutboxItem& item, const Completion& completion) {
  const bool recorded = record(item, "the outcome", [&] {
    return store_.complete(item.item_id, options_.lease_owner, completion.status, completion.reason,
                           completion.deliveries);
  });
  if (!recorded) return;
  switch (completion.status) {
    case ItemStatus::delivered:
      ++counters_.delivered;
      spdlog::debug("dispatcher: {} item {} of {} delivered", item.role, item.item_id,
                    item.source_id);
      return;
    case ItemStatus::ignored:
      ++counters_.ignored;
      spdlog::debug("dispatcher: {} item {} of {} ignored: {}", item.role, item.item_id,
                    item.source_id, completion.reason);
      return;
    case ItemStatus::undeliverable:
      ++counters_.undeliverable;
      spdlog::info("dispatcher: {} item {} of {} undeliverable: {}", item.role, item.item_id,
                   item.source_id, completion.reason);
      return;
    default:
      ++counters_.failed;
      spdlog::warn("dispatcher: {} item {} of {} failed: {}", item.role, item.item_id,
                   item.source_id, completion.reason);
      return;
  }
}

void Dispatcher::retry_or_fail(const store::OutboxItem& item, const Error& error) {
  const int attempts = item.attempts + 1;
  if (!error.transient || attempts >= options_.max_attempts) {
    spdlog::warn("dispatcher: giving up on {} item {} of team {} after {} attempt(s): {}",
                 item.role, item.item_id, item.team_id, attempts, error.to_string());
    finish(item, finished(ItemStatus::failed, error.code));
    return;
  }
  const auto delay = error.retry_after
                         ? *error.retry_after
                         : slack::backoff_delay(options_.backoff, attempts - 1, next_jitter());
  const store::UnixSeconds next = clock_.unix_seconds() + ceil_seconds(delay);
  const bool recorded = record(item, "the retry", [&] {
    return store_.reschedule(item.item_id, options_.lease_owner, next, error.code, attempts);
  });
  if (!recorded) return;
  ++counters_.retried;
  spdlog::info("dispatcher: {} item {} of team {} retries in {} s: {}", item.role, item.item_id,
               item.team_id, next - clock_.unix_seconds(), error.to_string());
}

bool Dispatcher::record(const store::OutboxItem& item, const char* what,
                        const std::function<Status()>& write) {
  for (int retry = 0;; ++retry) {
    Status written = write();
    if (written.ok()) {
      if (retry > 0) spdlog::info("dispatcher: recorded {} of item {} at last", what, item.item_id);
      return true;
    }
    const Error& error = written.error();
    if (error.code == "conflict" || error.code == "not_found") {
      // Not in flight here any more: purged by a Disconnect, or re-queued by a process that
      // took the partition over. Nothing of ours is left to record.
      spdlog::warn("dispatcher: item {} is no longer in flight here; {} was not recorded: {}",
                   item.item_id, what, error.to_string());
      return false;
    }
    if (stopping_) {
      spdlog::error(
          "dispatcher: cannot record {} of item {} ({}); it stays in flight and is delivered "
          "again after the next start",
          what, item.item_id, error.to_string());
      return false;
    }
    const auto delay = slack::backoff_delay(options_.store_retry, retry, next_jitter());
    if (retry % 10 == 0) {  // the first failure, then now and then
      spdlog::error("dispatcher: cannot record {} of item {} ({}); trying again in {} ms", what,
                    item.item_id, error.to_string(), delay.count());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
  }
}

double Dispatcher::next_jitter() {
  if (options_.jitter) return options_.jitter();
  std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

}  // namespace bridgebot::bridge
