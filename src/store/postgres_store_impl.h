// PostgresStore: the Store on a PostgreSQL database (see bridgebot/store/postgres_store.h).
// Every call runs on a pooled connection; writes are one transaction each (PostgreSQL folds
// concurrent commits itself). Data synced for a workspace is written only after locking its
// installation row FOR SHARE while it is active, and purge_team revokes (locks) that row before
// it deletes: a write racing a Disconnect either lands before the purge, which deletes it, or
// sees the workspace revoked.
//
// The methods are spread over files by record family, as for SQLite: postgres_store.cpp (open,
// purge, maintenance, leases, thread anchors), postgres_outbox.cpp, postgres_accounts.cpp.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "bridgebot/store/postgres_store.h"
#include "postgres_connection.h"
#include "store_rules.h"

namespace bridgebot::store::postgres {

// Locks team $1's installation row against a concurrent purge; no row when it is not active.
inline constexpr const char* kLockActiveTeam =
    "SELECT 1 FROM installations WHERE team_id = $1 AND state = 'active' FOR SHARE";

// Fails with team_not_installed unless `team_id` is active (and locks it for this transaction).
Status lock_active_team(Connection& db, std::string_view team_id);

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

  Result<AcceptResult> accept(const AcceptRequest& request) override;
  Result<std::vector<OutboxItem>> claim_due(UnixSeconds now, int limit,
                                            std::string_view lease_owner) override;
  Status complete(ItemId item_id, ItemStatus outcome, std::string_view reason,
                  const std::vector<Delivery>& deliveries) override;
  Status reschedule(ItemId item_id, UnixSeconds next_attempt_at, std::string_view reason,
                    int attempts) override;
  Result<std::int64_t> recover_in_flight() override;
  Result<std::optional<SourceStatus>> source_status(SourceKind kind,
                                                    std::string_view source_id) override;

  Result<std::optional<BridgedDm>> find_bridged_dm(std::string_view team_id,
                                                   std::string_view channel,
                                                   std::string_view thread_ts,
                                                   std::string_view ts) override;

  Status put_installation(const Installation& installation) override;
  Result<std::optional<Installation>> get_installation(std::string_view team_id) override;
  Result<std::vector<Installation>> list_installations() override;
  Result<bool> delete_installation(std::string_view team_id) override;

  Status put_link(const Link& link) override;
  Result<std::optional<Link>> get_link(std::string_view team_id,
                                       std::string_view platform_user_id) override;
  Result<std::optional<Link>> find_link_by_slack_user(std::string_view team_id,
                                                      std::string_view slack_user_id) override;
  Result<std::vector<Link>> links_of_platform_user(std::string_view platform_user_id) override;
  Result<std::vector<Link>> links_of_team(std::string_view team_id) override;
  Result<bool> delete_link(std::string_view team_id, std::string_view platform_user_id) override;

  Status upsert_directory(const std::vector<DirectoryEntry>& entries) override;
  Result<std::optional<DirectoryEntry>> lookup_directory(std::string_view team_id,
                                                         std::string_view email) override;
  Result<std::int64_t> forget_directory_user(std::string_view team_id,
                                             std::string_view slack_user_id) override;

  Result<std::optional<ThreadAnchor>> get_thread_anchor(std::string_view team_id,
                                                        std::string_view destination,
                                                        std::string_view thread_key) override;
  Status put_thread_anchor(const ThreadAnchor& anchor) override;

  Result<bool> acquire_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                             std::int64_t ttl_seconds) override;
  Result<bool> renew_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                           std::int64_t ttl_seconds) override;
  Status release_lease(std::string_view name, std::string_view owner) override;

  Status record_source_event(std::string_view source_id, std::string_view event_id,
                             UnixSeconds at) override;
  Status record_source_failure(std::string_view source_id, std::string_view failure,
                               UnixSeconds at) override;
  Result<std::vector<SourceActivity>> source_activity() override;
  Result<bool> put_oauth_state(std::string_view nonce, UnixSeconds expires_at, UnixSeconds now,
                               std::int64_t max_live) override;
  Result<bool> take_oauth_state(std::string_view nonce, UnixSeconds now) override;
  Result<std::int64_t> count_oauth_states() override;

  Result<bool> record_event(const InboxEvent& event) override;
  Result<std::vector<InboxEvent>> claim_events(UnixSeconds now, int limit) override;
  Status finish_event(InboxId id, std::string_view reason) override;
  Status retry_event(InboxId id, UnixSeconds next_attempt_at, std::string_view reason) override;
  Result<std::int64_t> recover_events() override;
  Result<std::int64_t> prune_events(UnixSeconds cutoff, int limit) override;

  Result<PurgeCounts> purge_team(std::string_view team_id, UnixSeconds now) override;
  Result<std::int64_t> prune_finished(UnixSeconds cutoff, int limit) override;
  Result<TeamUsage> team_usage(std::string_view team_id) override;
  Result<std::vector<FailingDestination>> failing_destinations(std::string_view team_id) override;
  StoreStats stats() const override;

 private:
  // A mutating call: one transaction, counted in stats().
  Status write(const std::function<Status(Connection&)>& work);
  // Runs one statement that changes rows and returns how many it changed.
  Result<std::int64_t> change(std::string_view sql, const Params& params);
  Status read(const std::function<Status(Connection&)>& work) { return pool_->read(work); }

  std::unique_ptr<Pool> pool_;
  std::atomic<std::uint64_t> write_operations_{0};
  std::atomic<std::uint64_t> write_transactions_{0};
};

}  // namespace bridgebot::store::postgres
