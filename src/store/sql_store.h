// SqlStore: the Store written once in SQL, over a Database (SQLite or PostgreSQL, sql_session.h).
// Every mutating call is one Database::write (on SQLite folded into a group commit, on
// PostgreSQL its own transaction, retried on a serialization failure); every query one read.
//
// Data synced for a workspace (links, directory entries, thread anchors, accepted sources) is
// written only after active_team() found its installation active in the same transaction, and
// purge_team revokes the installation before it deletes: a Slack call finishing after a
// Disconnect (a users.list page, a post that starts a thread) cannot bring purged data back.
//
// The methods are spread over files by record family: sql_store.cpp (purge and maintenance),
// sql_store_outbox.cpp, sql_store_accounts.cpp (installations, links, directory),
// sql_store_coordination.cpp (thread anchors, leases, source activity, OAuth states) and
// sql_store_inbox.cpp (Slack events).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridgebot/store/store.h"
#include "sql_session.h"

namespace bridgebot::store::sql {

// claim_due's and recover_in_flight's statements for `dialect` (sql_store_outbox.cpp).
std::string claim_due_sql(const Dialect& dialect);
std::string recover_in_flight_sql(const Dialect& dialect);

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Database> db);

  Result<AcceptResult> accept(const AcceptRequest& request) override;
  void accept_async(AcceptRequest request, AcceptDone done) override;
  bool writes_without_blocking() const override { return db_->writes_async(); }
  Result<std::vector<OutboxItem>> claim_due(UnixSeconds now, int limit,
                                            std::string_view lease_owner,
                                            PartitionMask partitions) override;
  Status complete(ItemId item_id, std::string_view claimed_by, ItemStatus outcome,
                  std::string_view reason, const std::vector<Delivery>& deliveries) override;
  Status reschedule(ItemId item_id, std::string_view claimed_by, UnixSeconds next_attempt_at,
                    std::string_view reason, int attempts) override;
  // One transaction for the whole batch, each outcome in its own savepoint.
  std::vector<Status> record_outcomes(std::string_view claimed_by,
                                      const std::vector<Outcome>& outcomes) override;
  void record_outcomes_async(std::string claimed_by, std::vector<Outcome> outcomes,
                             OutcomesDone done) override;
  Result<std::int64_t> recover_in_flight(PartitionMask partitions,
                                         std::string_view keep_owner) override;
  Result<std::optional<SourceStatus>> source_status(SourceKind kind,
                                                    std::string_view source_id) override;
  Result<std::optional<BridgedDm>> find_bridged_dm(std::string_view team_id,
                                                   std::string_view channel,
                                                   std::string_view thread_ts,
                                                   std::string_view ts) override;

  Status put_installation(const Installation& installation) override;
  Result<std::optional<Installation>> get_installation(std::string_view team_id) override;
  Result<std::optional<InstallationStamp>> installation_stamp(std::string_view team_id) override;
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
  Result<std::vector<Lease>> list_leases(std::string_view prefix) override;
  Result<std::vector<std::string>> renew_leases(std::string_view prefix, std::string_view owner,
                                                UnixSeconds now, std::int64_t ttl_seconds) override;

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

  StoreStats stats() const override { return db_->stats(); }

 private:
  // Runs one changing statement as its own write; returns how many rows it changed.
  Result<std::int64_t> change(std::string_view sql, const Params& params);
  // Runs one query as a read, mapping every row with `from_row`.
  template <typename FromRow>
  auto select_all(std::string_view sql, const Params& params, FromRow from_row)
      -> Result<std::vector<decltype(from_row(std::declval<const Row&>()))>> {
    std::vector<decltype(from_row(std::declval<const Row&>()))> records;
    Status done = db_->read([&](Session& s) -> Status {
      auto rows = s.exec(sql, params, [&](const Row& row) { records.push_back(from_row(row)); });
      return rows ? Status::success() : Status(rows.error());
    });
    if (!done.ok()) return done.error();
    return records;
  }
  // The same for a query of at most one row.
  template <typename FromRow>
  auto select_one(std::string_view sql, const Params& params, FromRow from_row)
      -> Result<std::optional<decltype(from_row(std::declval<const Row&>()))>> {
    using Record = decltype(from_row(std::declval<const Row&>()));
    auto records = select_all(sql, params, from_row);
    if (!records) return records.error();
    if (records->empty()) return std::optional<Record>();
    return std::optional<Record>(std::move(records->front()));
  }
  struct OutcomesWrite;
  // One record_outcomes_async() write; `isolated`: each outcome in its own savepoint.
  void write_outcomes(std::shared_ptr<OutcomesWrite> write, bool isolated);
  // accept()'s transaction: fills `result` from scratch (a write may run more than once).
  Status accept_in(Session& s, const AcceptRequest& request, AcceptResult& result) const;
  // Inside a write: ok when `team_id` has an active installation, which then stays active until
  // the write commits; else team_not_installed.
  Status active_team(Session& s, std::string_view team_id) const;

  std::unique_ptr<Database> db_;
  const Dialect& dialect_;
  // Statements that take a piece of the dialect, composed once.
  const std::string active_team_sql_;
  const std::string insert_item_sql_;
  const std::string deliveries_of_source_sql_;
  const std::string claim_sql_;
  const std::string recover_sql_;
};

}  // namespace bridgebot::store::sql
