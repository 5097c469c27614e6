// Store: bridgebot's durable state behind one interface (installations, links, directory cache,
// accepted messages/notifications with their outbox, thread anchors, leases). Backends live in
// src/store; SQL never leaves that folder.
//
// Thread safety: every method may be called concurrently from any number of threads. Calls block
// on disk I/O (a write returns only after its transaction is durable), so call them from worker
// threads, never from an event loop thread; accept_async() and record_outcomes_async() are the
// exceptions, where writes_without_blocking().
//
// Errors: codes are "store_error" (I/O, corruption, full disk), "store_busy" (another process held
// the database lock too long; transient), "not_found", "conflict" (the record is not in the state
// the call requires) and "invalid_argument". Messages name the database file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store {

// One finished attempt of an in_flight item, for Store::record_outcomes: `status` final (delivered,
// failed, undeliverable, ignored) finishes it as complete() does; `status` queued puts it back as
// reschedule() does.
struct Outcome {
  ItemId item_id = 0;
  ItemStatus status = ItemStatus::delivered;
  std::string reason;
  std::vector<Delivery> deliveries;  // final only
  UnixSeconds next_attempt_at = 0;   // queued only
  int attempts = 0;                  // queued only
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- accepted messages/notifications (idempotency + outbox) ----

  // Records a source and its items atomically, unless (kind, source_id) was accepted before: then
  // nothing is written and the earlier record's status comes back with duplicate = true.
  // "conflict" when the team has no active installation (never installed, or disconnected).
  virtual Result<AcceptResult> accept(const AcceptRequest& request) = 0;
  // The request comes back with its result, so that the caller need not keep a copy of it.
  using AcceptDone = std::function<void(const AcceptRequest& request, Result<AcceptResult> result)>;
  // As accept(), with the result given to `done` (once, durable as accept()'s). Where
  // writes_without_blocking() (SQLite: the group-commit writer), it returns at once and `done`
  // runs later on the store's writer thread, so `done` must be short and never block (nor call
  // the store); elsewhere (PostgreSQL) it blocks as accept() does and calls `done` first.
  virtual void accept_async(AcceptRequest request, AcceptDone done) {
    auto result = accept(request);
    done(request, std::move(result));
  }
  // Whether accept_async() and record_outcomes_async() return before their write is done.
  virtual bool writes_without_blocking() const { return false; }

  // Marks up to `limit` due items (queued, next_attempt_at <= now) of the given delivery
  // partitions in_flight for `lease_owner` and returns them, oldest first. An item is never
  // returned while an earlier item with the same ordering key is still queued or in_flight, so
  // each key is delivered in accept order. The claim is not synced to disk by itself (the next
  // durable write syncs it): a power cut before then leaves the items queued, sent again.
  virtual Result<std::vector<OutboxItem>> claim_due(UnixSeconds now, int limit,
                                                    std::string_view lease_owner,
                                                    PartitionMask partitions) = 0;

  // Finishes an item in_flight for `claimed_by` with a final status (delivered, failed,
  // undeliverable, ignored), recording where it landed. "conflict" when the item is not in_flight
  // for `claimed_by` (finished, re-queued or claimed by another process since): an outcome never
  // lands for an item this process no longer owns.
  virtual Status complete(ItemId item_id, std::string_view claimed_by, ItemStatus outcome,
                          std::string_view reason, const std::vector<Delivery>& deliveries) = 0;

  // Puts an item in_flight for `claimed_by` back in the queue for a later attempt. "conflict"
  // when it is not in_flight for `claimed_by`.
  virtual Status reschedule(ItemId item_id, std::string_view claimed_by,
                            UnixSeconds next_attempt_at, std::string_view reason, int attempts) = 0;

  // Records many outcomes of items in_flight for `claimed_by` at once; returns one Status per
  // outcome, in order, each as complete() or reschedule() would answer it (a "conflict" for one
  // leaves the others unaffected). A backend overrides it to write them in one transaction; this
  // default records them one by one.
  virtual std::vector<Status> record_outcomes(std::string_view claimed_by,
                                              const std::vector<Outcome>& outcomes) {
    std::vector<Status> results;
    results.reserve(outcomes.size());
    for (const Outcome& o : outcomes) {
      results.push_back(
          o.status == ItemStatus::queued
              ? reschedule(o.item_id, claimed_by, o.next_attempt_at, o.reason, o.attempts)
              : complete(o.item_id, claimed_by, o.status, o.reason, o.deliveries));
    }
    return results;
  }
  using OutcomesDone = std::function<void(std::vector<Status> results)>;
  // As record_outcomes(), with the results given to `done` (once). Where writes_without_blocking(),
  // it returns at once and `done` runs later on the store's writer thread (short, never blocking,
  // never calling the store); elsewhere it blocks as record_outcomes() does and calls `done` first.
  virtual void record_outcomes_async(std::string claimed_by, std::vector<Outcome> outcomes,
                                     OutcomesDone done) {
    done(record_outcomes(claimed_by, outcomes));
  }

  // Items of the given partitions left in_flight by another owner than `keep_owner` (a crashed
  // or stalled process) go back to queued (at-least-once delivery). Returns how many. Only for
  // the process that just took these partitions' leases over (bridge::DeliveryPartitions): a
  // process still delivering from them would lose its items (its outcomes then conflict).
  virtual Result<std::int64_t> recover_in_flight(PartitionMask partitions,
                                                 std::string_view keep_owner) = 0;

  // The state GET /v1/messages/{id} and /v1/notifications/{id} report; nullopt for unknown ids.
  virtual Result<std::optional<SourceStatus>> source_status(SourceKind kind,
                                                            std::string_view source_id) = 0;

  // The relayed DM that a message in DM `channel` of `team_id` answers: the one posted at
  // `thread_ts` when the message is in a thread (non-empty), else the latest one posted in that
  // DM before `ts`. nullopt when bridgebot relayed nothing there (or retention removed it).
  virtual Result<std::optional<BridgedDm>> find_bridged_dm(std::string_view team_id,
                                                           std::string_view channel,
                                                           std::string_view thread_ts,
                                                           std::string_view ts) = 0;

  // ---- installations ----

  // Inserts or replaces the installation with this team_id, under a new generation.
  virtual Status put_installation(const Installation& installation) = 0;
  virtual Result<std::optional<Installation>> get_installation(std::string_view team_id) = 0;
  // The state and generation of the team's installation (nullopt: no row), read from the primary
  // key without the rest of the row: checked before each Slack call of the delivery.
  virtual Result<std::optional<InstallationStamp>> installation_stamp(std::string_view team_id) = 0;
  // Every installation, active and revoked, ordered by team_id.
  virtual Result<std::vector<Installation>> list_installations() = 0;
  // Returns false when there was none.
  virtual Result<bool> delete_installation(std::string_view team_id) = 0;

  // ---- links ----

  // Inserts or replaces the link of (team_id, platform_user_id). "conflict" when the workspace
  // has no active installation (never installed, or disconnected meanwhile).
  virtual Status put_link(const Link& link) = 0;
  virtual Result<std::optional<Link>> get_link(std::string_view team_id,
                                               std::string_view platform_user_id) = 0;
  virtual Result<std::optional<Link>> find_link_by_slack_user(std::string_view team_id,
                                                              std::string_view slack_user_id) = 0;
  // Every link of one platform user, across workspaces, ordered by team_id.
  virtual Result<std::vector<Link>> links_of_platform_user(std::string_view platform_user_id) = 0;
  // Every link of one workspace, ordered by platform_user_id.
  virtual Result<std::vector<Link>> links_of_team(std::string_view team_id) = 0;
  // Returns false when there was none.
  virtual Result<bool> delete_link(std::string_view team_id, std::string_view platform_user_id) = 0;

  // ---- directory cache ----

  // Inserts or replaces every entry (e.g. one users.list page) in one transaction. Entries of a
  // workspace without an active installation are dropped: a sweep that ends after a Disconnect
  // leaves nothing behind.
  virtual Status upsert_directory(const std::vector<DirectoryEntry>& entries) = 0;
  virtual Result<std::optional<DirectoryEntry>> lookup_directory(std::string_view team_id,
                                                                 std::string_view email) = 0;
  // Drops every positive entry naming this user (deactivated, or their email changed).
  // Returns how many.
  virtual Result<std::int64_t> forget_directory_user(std::string_view team_id,
                                                     std::string_view slack_user_id) = 0;

  // ---- notification threads ----

  virtual Result<std::optional<ThreadAnchor>> get_thread_anchor(std::string_view team_id,
                                                                std::string_view destination,
                                                                std::string_view thread_key) = 0;
  // Inserts or replaces the anchor of (team_id, destination, thread_key). "conflict" when the
  // workspace has no active installation.
  virtual Status put_thread_anchor(const ThreadAnchor& anchor) = 0;

  // ---- leases (single-flight work across processes sharing this store) ----

  // Takes lease `name` for `owner` until now + ttl_seconds when it is free, expired, or already
  // held by `owner`. Returns whether `owner` holds it now.
  virtual Result<bool> acquire_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                                     std::int64_t ttl_seconds) = 0;
  // Extends a lease `owner` still holds (not expired). false: the lease was lost.
  virtual Result<bool> renew_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                                   std::int64_t ttl_seconds) = 0;
  // Gives the lease up if `owner` holds it; releasing a lease held by another owner does nothing.
  virtual Status release_lease(std::string_view name, std::string_view owner) = 0;
  // Every lease row whose name starts with `prefix`, expired ones included, ordered by name.
  virtual Result<std::vector<Lease>> list_leases(std::string_view prefix) = 0;
  // Extends, in one write, every lease named `prefix`… that `owner` still holds (not expired);
  // returns their names.
  virtual Result<std::vector<std::string>> renew_leases(std::string_view prefix,
                                                        std::string_view owner, UnixSeconds now,
                                                        std::int64_t ttl_seconds) = 0;

  // ---- configured sources (Zendesk webhooks) ----

  // Remember the latest accepted event, or the latest refused request, of a source.
  virtual Status record_source_event(std::string_view source_id, std::string_view event_id,
                                     UnixSeconds at) = 0;
  virtual Status record_source_failure(std::string_view source_id, std::string_view failure,
                                       UnixSeconds at) = 0;
  // Every source that recorded something, ordered by source_id.
  virtual Result<std::vector<SourceActivity>> source_activity() = 0;

  // ---- events inbox (Slack events, recorded before Slack is told they arrived) ----

  // Records `event` as pending, due at once, unless its event_id was recorded before (and not yet
  // pruned): then nothing is written. Returns whether it was new. Durable when it returns.
  virtual Result<bool> record_event(const InboxEvent& event) = 0;
  // Marks up to `limit` pending events due at `now` in_flight (counting the attempt) and returns
  // them, oldest first. For the one process that holds the events lease. Not synced by itself,
  // as claim_due.
  virtual Result<std::vector<InboxEvent>> claim_events(UnixSeconds now, int limit) = 0;
  // An in_flight event is done (handled, or given up for `reason`); its payload is dropped.
  // "conflict" when it is not in_flight.
  virtual Status finish_event(InboxId id, std::string_view reason) = 0;
  // Puts an in_flight event back for another attempt at `next_attempt_at`. "conflict" when it is
  // not in_flight.
  virtual Status retry_event(InboxId id, UnixSeconds next_attempt_at, std::string_view reason) = 0;
  // Events left in_flight by a crashed process go back to pending. Returns how many. Only for
  // the process that just took the events lease over.
  virtual Result<std::int64_t> recover_events() = 0;
  // Deletes up to `limit` done events received before `cutoff`. Returns how many.
  virtual Result<std::int64_t> prune_events(UnixSeconds cutoff, int limit) = 0;

  // ---- single-use OAuth states (lease rows "oauth_state:<nonce>") ----

  // Deletes every expired state, then records state `nonce` until expires_at unless `max_live`
  // states are live already: then nothing is recorded and the answer is false.
  virtual Result<bool> put_oauth_state(std::string_view nonce, UnixSeconds expires_at,
                                       UnixSeconds now, std::int64_t max_live) = 0;
  // Deletes state `nonce`. Whether it was there and unexpired: false when it was used already or
  // never recorded.
  virtual Result<bool> take_oauth_state(std::string_view nonce, UnixSeconds now) = 0;
  // How many states are recorded, expired ones included (for tests and diagnostics).
  virtual Result<std::int64_t> count_oauth_states() = 0;

  // ---- maintenance ----

  // Disconnect: in one transaction, deletes the team's links, directory entries, outbox items
  // (with deliveries), idempotency records and thread anchors, and marks its installation revoked
  // with every token blob erased.
  virtual Result<PurgeCounts> purge_team(std::string_view team_id, UnixSeconds now) = 0;

  // Retention: deletes up to `limit` accepted sources created before `cutoff` whose items have
  // all finished, with their outbox items and deliveries; a source still queued or in flight is
  // kept however old. Their ids are then unknown: sent again, they are accepted anew. Returns
  // how many sources went.
  virtual Result<std::int64_t> prune_finished(UnixSeconds cutoff, int limit) = 0;

  // Counts of the team's links and unfinished outbox items.
  virtual Result<TeamUsage> team_usage(std::string_view team_id) = 0;

  // The team's notification destinations whose latest finished item failed, ordered by
  // destination. A destination is cleared by the next notification delivered there.
  virtual Result<std::vector<FailingDestination>> failing_destinations(
      std::string_view team_id) = 0;

  virtual StoreStats stats() const = 0;
};

}  // namespace bridgebot::store
