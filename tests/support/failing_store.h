// A Store that forwards to a real one and fails chosen writes on demand, as a busy or full disk
// or a lost PostgreSQL connection would: for tests of what the bridge does when a write fails.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bridgebot/store/store.h"

namespace bridgebot::store {  // beside the real stores, so the signatures read as in store.h

class FailingStore final : public Store {
 public:
  explicit FailingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  // The next `count` complete() / reschedule() calls fail with store_error, writing nothing.
  void fail_completes(int count) {
    std::lock_guard lock(mutex_);
    fail_completes_ = count;
  }
  void fail_reschedules(int count) {
    std::lock_guard lock(mutex_);
    fail_reschedules_ = count;
  }
  // The next `count` acquire_lease() / renew_leases() calls fail likewise.
  void fail_leases(int count) {
    std::lock_guard lock(mutex_);
    fail_leases_ = count;
  }
  // Until release_accepts(), accept_async() keeps each accept instead of starting it, as a store
  // writer busy with a slow commit would; release_accepts() starts the kept ones, in order.
  void hold_accepts() {
    std::lock_guard lock(mutex_);
    holding_accepts_ = true;
  }
  void release_accepts() {
    std::vector<std::pair<AcceptRequest, AcceptDone>> held;
    {
      std::lock_guard lock(mutex_);
      holding_accepts_ = false;
      held.swap(held_accepts_);
    }
    for (auto& [request, done] : held) inner_->accept_async(std::move(request), std::move(done));
  }
  // Until release_outcomes(), record_outcomes_async() keeps each batch instead of writing it, as a
  // store writer busy with a slow commit would; release_outcomes() writes the kept ones, in order.
  void hold_outcomes() {
    std::lock_guard lock(mutex_);
    holding_outcomes_ = true;
  }
  void release_outcomes() {
    std::vector<std::pair<std::vector<Outcome>, OutcomesDone>> held;
    std::string claimed_by;
    {
      std::lock_guard lock(mutex_);
      holding_outcomes_ = false;
      held.swap(held_outcomes_);
      claimed_by = held_claimed_by_;
    }
    for (auto& [outcomes, done] : held) done(Store::record_outcomes(claimed_by, outcomes));
  }
  // How many batches record_outcomes_async() keeps now.
  std::size_t held_outcome_batches() {
    std::lock_guard lock(mutex_);
    return held_outcomes_.size();
  }
  // How many record_outcomes() calls blocked their caller so far.
  int blocking_outcome_writes() const { return blocking_outcome_writes_.load(); }
  // writes_without_blocking() says false from now on, as on PostgreSQL: accept_async() blocks.
  void accept_blocking() { accept_blocking_ = true; }
  // How many whole installation rows were read (get_installation) so far.
  int installation_reads() const { return installation_reads_.load(); }
  // How many installation stamps were read (installation_stamp) so far.
  int stamp_reads() const { return stamp_reads_.load(); }
  // How many directory entries were looked up (lookup_directory) so far.
  int directory_reads() const { return directory_reads_.load(); }

  Result<AcceptResult> accept(const AcceptRequest& request) override {
    return inner_->accept(request);
  }

  void accept_async(AcceptRequest request, AcceptDone done) override {
    if (accept_blocking_) return Store::accept_async(std::move(request), std::move(done));
    {
      std::lock_guard lock(mutex_);
      if (holding_accepts_) {
        held_accepts_.emplace_back(std::move(request), std::move(done));
        return;
      }
    }
    inner_->accept_async(std::move(request), std::move(done));
  }
  bool writes_without_blocking() const override {
    return !accept_blocking_ && inner_->writes_without_blocking();
  }

  // Through complete() / reschedule(), so that fail_completes() / fail_reschedules() apply.
  std::vector<Status> record_outcomes(std::string_view claimed_by,
                                      const std::vector<Outcome>& outcomes) override {
    ++blocking_outcome_writes_;
    return Store::record_outcomes(claimed_by, outcomes);
  }
  void record_outcomes_async(std::string claimed_by, std::vector<Outcome> outcomes,
                             OutcomesDone done) override {
    {
      std::lock_guard lock(mutex_);
      if (holding_outcomes_) {
        held_claimed_by_ = std::move(claimed_by);
        held_outcomes_.emplace_back(std::move(outcomes), std::move(done));
        return;
      }
    }
    // Not blocking_outcome_writes_: as a store writing without blocking would, it answers once.
    done(Store::record_outcomes(claimed_by, outcomes));
  }

  Result<std::vector<OutboxItem>> claim_due(UnixSeconds now, int limit,
                                            std::string_view lease_owner,
                                            PartitionMask partitions) override {
    return inner_->claim_due(now, limit, lease_owner, partitions);
  }

  Status complete(ItemId item_id, std::string_view claimed_by, ItemStatus outcome,
                  std::string_view reason, const std::vector<Delivery>& deliveries) override {
    if (Status failure = take_failure(fail_completes_); !failure.ok()) return failure;
    return inner_->complete(item_id, claimed_by, outcome, reason, deliveries);
  }

  Status reschedule(ItemId item_id, std::string_view claimed_by, UnixSeconds next_attempt_at,
                    std::string_view reason, int attempts) override {
    if (Status failure = take_failure(fail_reschedules_); !failure.ok()) return failure;
    return inner_->reschedule(item_id, claimed_by, next_attempt_at, reason, attempts);
  }

  Result<std::int64_t> recover_in_flight(PartitionMask partitions,
                                         std::string_view keep_owner) override {
    return inner_->recover_in_flight(partitions, keep_owner);
  }

  Result<std::optional<SourceStatus>> source_status(SourceKind kind,
                                                    std::string_view source_id) override {
    return inner_->source_status(kind, source_id);
  }

  Result<std::optional<BridgedDm>> find_bridged_dm(std::string_view team_id,
                                                   std::string_view channel,
                                                   std::string_view thread_ts,
                                                   std::string_view ts) override {
    return inner_->find_bridged_dm(team_id, channel, thread_ts, ts);
  }

  Status put_installation(const Installation& installation) override {
    return inner_->put_installation(installation);
  }

  Result<std::optional<Installation>> get_installation(std::string_view team_id) override {
    ++installation_reads_;
    return inner_->get_installation(team_id);
  }

  Result<std::optional<InstallationStamp>> installation_stamp(std::string_view team_id) override {
    ++stamp_reads_;
    return inner_->installation_stamp(team_id);
  }

  Result<std::vector<Installation>> list_installations() override {
    return inner_->list_installations();
  }

  Result<bool> delete_installation(std::string_view team_id) override {
    return inner_->delete_installation(team_id);
  }

  Status put_link(const Link& link) override { return inner_->put_link(link); }

  Result<std::optional<Link>> get_link(std::string_view team_id,
                                       std::string_view platform_user_id) override {
    return inner_->get_link(team_id, platform_user_id);
  }

  Result<std::optional<Link>> find_link_by_slack_user(std::string_view team_id,
                                                      std::string_view slack_user_id) override {
    return inner_->find_link_by_slack_user(team_id, slack_user_id);
  }

  Result<std::vector<Link>> links_of_platform_user(std::string_view platform_user_id) override {
    return inner_->links_of_platform_user(platform_user_id);
  }

  Result<std::vector<Link>> links_of_team(std::string_view team_id) override {
    return inner_->links_of_team(team_id);
  }

  Result<bool> delete_link(std::string_view team_id, std::string_view platform_user_id) override {
    return inner_->delete_link(team_id, platform_user_id);
  }

  Status upsert_directory(const std::vector<DirectoryEntry>& entries) override {
    return inner_->upsert_directory(entries);
  }

  Result<std::optional<DirectoryEntry>> lookup_directory(std::string_view team_id,
                                                         std::string_view email) override {
    ++directory_reads_;
    return inner_->lookup_directory(team_id, email);
  }

  Result<std::int64_t> forget_directory_user(std::string_view team_id,
                                             std::string_view slack_user_id) override {
    return inner_->forget_directory_user(team_id, slack_user_id);
  }

  Result<std::optional<ThreadAnchor>> get_thread_anchor(std::string_view team_id,
                                                        std::string_view destination,
                                                        std::string_view thread_key) override {
    return inner_->get_thread_anchor(team_id, destination, thread_key);
  }

  Status put_thread_anchor(const ThreadAnchor& anchor) override {
    return inner_->put_thread_anchor(anchor);
  }

  Result<bool> acquire_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                             std::int64_t ttl_seconds) override {
    if (Status failure = take_failure(fail_leases_); !failure.ok()) return failure.error();
    return inner_->acquire_lease(name, owner, now, ttl_seconds);
  }

  Result<bool> renew_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                           std::int64_t ttl_seconds) override {
    return inner_->renew_lease(name, owner, now, ttl_seconds);
  }

  Status release_lease(std::string_view name, std::string_view owner) override {
    return inner_->release_lease(name, owner);
  }

  Result<std::vector<Lease>> list_leases(std::string_view prefix) override {
    return inner_->list_leases(prefix);
  }

  Result<std::vector<std::string>> renew_leases(std::string_view prefix, std::string_view owner,
                                                UnixSeconds now,
                                                std::int64_t ttl_seconds) override {
    if (Status failure = take_failure(fail_leases_); !failure.ok()) return failure.error();
    return inner_->renew_leases(prefix, owner, now, ttl_seconds);
  }

  Status record_source_event(std::string_view source_id, std::string_view event_id,
                             UnixSeconds at) override {
    return inner_->record_source_event(source_id, event_id, at);
  }

  Status record_source_failure(std::string_view source_id, std::string_view failure,
                               UnixSeconds at) override {
    return inner_->record_source_failure(source_id, failure, at);
  }

  Result<std::vector<SourceActivity>> source_activity() override {
    return inner_->source_activity();
  }

  Result<bool> record_event(const InboxEvent& event) override {
    return inner_->record_event(event);
  }

  Result<std::vector<InboxEvent>> claim_events(UnixSeconds now, int limit) override {
    return inner_->claim_events(now, limit);
  }

  Status finish_event(InboxId id, std::string_view reason) override {
    return inner_->finish_event(id, reason);
  }

  Status retry_event(InboxId id, UnixSeconds next_attempt_at, std::string_view reason) override {
    return inner_->retry_event(id, next_attempt_at, reason);
  }

  Result<std::int64_t> recover_events() override { return inner_->recover_events(); }

  Result<std::int64_t> prune_events(UnixSeconds cutoff, int limit) override {
    return inner_->prune_events(cutoff, limit);
  }

  Result<bool> put_oauth_state(std::string_view nonce, UnixSeconds expires_at, UnixSeconds now,
                               std::int64_t max_live) override {
    return inner_->put_oauth_state(nonce, expires_at, now, max_live);
  }

  Result<bool> take_oauth_state(std::string_view nonce, UnixSeconds now) override {
    return inner_->take_oauth_state(nonce, now);
  }

  Result<std::int64_t> count_oauth_states() override { return inner_->count_oauth_states(); }

  Result<PurgeCounts> purge_team(std::string_view team_id, UnixSeconds now) override {
    return inner_->purge_team(team_id, now);
  }

  Result<std::int64_t> prune_finished(UnixSeconds cutoff, int limit) override {
    return inner_->prune_finished(cutoff, limit);
  }

  Result<TeamUsage> team_usage(std::string_view team_id) override {
    return inner_->team_usage(team_id);
  }

  Result<std::vector<FailingDestination>> failing_destinations(std::string_view team_id) override {
    return inner_->failing_destinations(team_id);
  }

  StoreStats stats() const override { return inner_->stats(); }

 private:
  Status take_failure(int& remaining) {
    std::lock_guard lock(mutex_);
    if (remaining <= 0) return Status::success();
    --remaining;
    return make_error("store_error", "database or disk is full (injected)");
  }

  std::unique_ptr<Store> inner_;
  std::mutex mutex_;
  int fail_completes_ = 0;
  int fail_reschedules_ = 0;
  int fail_leases_ = 0;
  bool holding_accepts_ = false;                                    // guarded by mutex_
  std::vector<std::pair<AcceptRequest, AcceptDone>> held_accepts_;  // guarded by mutex_
  std::atomic<bool> accept_blocking_{false};
  bool holding_outcomes_ = false;                                             // guarded by mutex_
  std::string held_claimed_by_;                                               // guarded by mutex_
  std::vector<std::pair<std::vector<Outcome>, OutcomesDone>> held_outcomes_;  // guarded by mutex_
  std::atomic<int> blocking_outcome_writes_{0};
  std::atomic<int> installation_reads_{0};
  std::atomic<int> stamp_reads_{0};
  std::atomic<int> directory_reads_{0};
};

}  // namespace bridgebot::store
