// SqliteStore: the Store on one SQLite file. Mutations run as operations on the group commit
// writer (its own connection and thread); reads share a second connection under a mutex. With
// WAL, a read sees every write whose call has returned.
//
// The methods are spread over files by record family: sqlite_store.cpp (open, purge, stats),
// sqlite_outbox.cpp, sqlite_accounts.cpp (installations, links, directory) and
// sqlite_coordination.cpp (thread anchors, leases) and sqlite_inbox.cpp (Slack events).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "bridgebot/store/sqlite_store.h"
#include "group_commit_writer.h"
#include "sqlite_connection.h"
#include "store_rules.h"

namespace bridgebot::store::sqlite {

// Data synced for a workspace (links, directory entries, thread anchors) is written only while
// the workspace is installed, checked in the writing statement itself: a Slack call that
// finishes after a Disconnect (a users.list page, a lookup, a post that starts a thread) must
// not bring purged data back. ?1 is the team id.
inline constexpr std::string_view kWhileTeamActive =
    " WHERE EXISTS (SELECT 1 FROM installations WHERE team_id = ?1 AND state = 'active')";

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader,
              int max_group_size)
      : writer_(std::move(writer), max_group_size), reader_(std::move(reader)) {}

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

  StoreStats stats() const override { return {writer_.operations(), writer_.transactions()}; }

 private:
  // Runs `read` with the reader connection, one caller at a time.
  template <typename Read>
  auto with_reader(Read&& read) {
    std::lock_guard lock(reader_mutex_);
    return read(*reader_);
  }

  GroupCommitWriter writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<Connection> reader_;  // guarded by reader_mutex_
};

}  // namespace bridgebot::store::sqlite
