// Plain records held by the Store (see store.h). No behaviour beyond naming enum values, so every
// layer can include this without pulling in a backend.
//
// Conventions:
// - Times are Unix seconds (UnixSeconds), supplied by the caller from its Clock: the store never
//   reads a clock, so tests control time completely.
// - Blob fields hold ciphertext. The store never encrypts, decrypts or logs them; callers do the
//   crypto (core) and hand over opaque bytes. An empty Blob means "none".
// - Emails used as keys (directory cache) are compared byte for byte: callers pass them already
//   normalised (trimmed, lowercased), as the platform API requires.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgebot::store {

using UnixSeconds = std::int64_t;
using Blob = std::vector<std::uint8_t>;
// Assigned by the store when an outbox item is accepted; unique within one store.
using ItemId = std::int64_t;

// What was accepted: the idempotency namespace of a source id. message and notification come
// from the platform; reply is a Slack user's answer to a bridged DM, on its way to the platform.
enum class SourceKind { message, notification, reply };

// Status of an outbox item, and of a source (message/notification) as GET /v1/... reports it.
// queued and in_flight are unfinished; the rest are final.
enum class ItemStatus { queued, in_flight, delivered, failed, undeliverable, ignored };

enum class InstallationState { active, revoked };

std::string_view to_string(SourceKind kind);
std::string_view to_string(ItemStatus status);
std::string_view to_string(InstallationState state);
std::optional<SourceKind> parse_source_kind(std::string_view text);
std::optional<ItemStatus> parse_item_status(std::string_view text);
std::optional<InstallationState> parse_installation_state(std::string_view text);
bool is_final(ItemStatus status);

// ---- installations ----

struct IncomingWebhook {
  std::string channel;  // "#alerts", as Slack names it
  std::string channel_id;
  std::string configuration_url;
  Blob url;  // encrypted: the webhook URL is a secret
};

struct Installation {
  std::string team_id;  // key
  std::string enterprise_id;
  std::string domain;
  std::string team_name;
  std::string bot_user_id;
  std::string bot_id;
  std::string app_id;
  std::vector<std::string> scopes;
  Blob bot_token;      // encrypted
  Blob refresh_token;  // encrypted; empty when the token does not rotate
  std::optional<UnixSeconds> token_expires_at;
  std::optional<IncomingWebhook> incoming_webhook;
  std::string notification_channel;  // default destination; empty: the incoming webhook
  bool sender_identity = true;
  InstallationState state = InstallationState::active;
  UnixSeconds installed_at = 0;
  UnixSeconds updated_at = 0;
  // Read only: every write of the row (put_installation, purge_team) and of the team's links
  // (put_link, delete_link) gives it a new generation in the same transaction, so a copy of the
  // row or of a link read with generation g is current while installation_stamp still says g.
  std::int64_t generation = 0;
};

// What installation_stamp reads of a row: no tokens, so it costs no decryption.
struct InstallationStamp {
  InstallationState state = InstallationState::active;
  std::int64_t generation = 0;
};

// ---- links (platform user <-> Slack user) ----

// A personal "Connect" token: held only when the user went through Slack's Allow screen.
struct UserToken {
  Blob token;          // encrypted
  Blob refresh_token;  // encrypted; empty when not rotating
  std::optional<UnixSeconds> expires_at;
};

struct Link {
  std::string team_id;           // key, with platform_user_id
  std::string platform_user_id;  // key, with team_id
  std::string slack_user_id;
  std::string email;
  UnixSeconds linked_at = 0;
  std::optional<UserToken> user_token;
};

// ---- directory cache (normalised email -> Slack user) ----

struct DirectoryUser {
  std::string slack_user_id;
  std::string display_name;
  std::string avatar_url;
};

struct DirectoryEntry {
  std::string team_id;  // key, with email
  std::string email;    // key, normalised by the caller
  // nullopt is a negative entry: Slack had no active user with this email at fetched_at.
  std::optional<DirectoryUser> user;
  UnixSeconds fetched_at = 0;
};

// ---- accepted messages/notifications and their outbox items ----

// One piece of work produced by accepting a source, e.g. "DM the recipient" or "post to #alerts".
struct NewOutboxItem {
  std::string role;          // "recipient", "sender_copy", "destination", ...
  std::string destination;   // a Slack user/channel id or a route destination name
  std::string payload_json;  // what the dispatcher needs to send; opaque to the store
  // Items sharing a non-empty ordering key are delivered in accept order (claim_due never hands
  // out an item while an earlier one with the same key is unfinished). Empty: no ordering.
  std::string ordering_key;
  UnixSeconds next_attempt_at = 0;  // normally "now"
};

struct OutboxItem {
  ItemId item_id = 0;
  SourceKind kind = SourceKind::message;
  std::string source_id;
  std::string team_id;
  std::string role;
  std::string destination;
  std::string payload_json;
  std::string ordering_key;
  ItemStatus status = ItemStatus::queued;
  std::string reason;
  int attempts = 0;  // owned by the dispatcher: set by reschedule()
  UnixSeconds next_attempt_at = 0;
  UnixSeconds created_at = 0;
  int partition = 0;  // the delivery partition of team_id (see kDeliveryPartitions)
};

// Where one item landed in Slack; several per source (recipient DM, sender's copy, ...).
struct Delivery {
  std::string role;
  std::string slack_user;  // empty for channel posts
  std::string channel;
  std::string ts;
};

// The outbox is split by workspace into this many delivery partitions, each delivered by the one
// process holding its lease (bridge::DeliveryPartitions). The store derives an item's partition
// from its team_id, the same way in every process on one database, so that every item of a
// workspace (and so of an ordering key) is in one partition.
inline constexpr int kDeliveryPartitions = 16;
// A set of partitions: bit p stands for partition p.
using PartitionMask = std::uint32_t;
inline constexpr PartitionMask kAllPartitions = (PartitionMask{1} << kDeliveryPartitions) - 1;

// The delivery partition of `team_id`: its last four characters' codes weighted 1, 7, 11, 13 from
// the end, summed, modulo 16. Every process on one database must agree, so never change it: the
// store writes it into each item at accept, and derives it with the same rule in SQL for items
// written before (sql_store_outbox.cpp). The two agree for ASCII team ids of four characters or
// more, as Slack's all are.
inline int delivery_partition_of(std::string_view team_id) {
  static_assert(kDeliveryPartitions == 16);
  const int weights[] = {1, 7, 11, 13};
  int sum = 0;
  for (std::size_t k = 0; k < 4 && k < team_id.size(); ++k) {
    sum += weights[k] * static_cast<unsigned char>(team_id[team_id.size() - 1 - k]);
  }
  return sum % kDeliveryPartitions;
}

// Claim at accept: the caller (a dispatcher that holds `partitions` fresh and has room for
// `limit` items) takes the request's items straight to delivery. An item is inserted in_flight
// for `lease_owner` (as claim_due would mark it) when its workspace's partition is in
// `partitions`, it is due at the request's `now`, fewer than `limit` were taken and no earlier
// item of its ordering key is unfinished; the others are queued as usual. Stores whose
// concurrent transactions could both take an item of one key (PostgreSQL) take none.
struct ClaimAtAccept {
  std::string lease_owner;
  PartitionMask partitions = 0;  // 0: claim nothing
  int limit = 0;
};

// What to record for one POST /v1/messages or /v1/notifications, atomically.
struct AcceptRequest {
  SourceKind kind = SourceKind::message;
  std::string source_id;  // the platform's id: the idempotency key within `kind`
  std::string team_id;
  // queued when `items` is non-empty; otherwise the final answer (e.g. ignored + reason), so that
  // GET reports it and a repeated id is still a duplicate.
  ItemStatus status = ItemStatus::queued;
  std::string reason;
  std::vector<NewOutboxItem> items;
  UnixSeconds now = 0;
  ClaimAtAccept claim;  // none by default
};

// The state of a source as GET /v1/messages/{id} shows it.
// With items: queued while any item is unfinished; then the most serious final item status
// (failed > undeliverable > delivered > ignored) with that item's reason.
// Without items: the status recorded at accept.
struct SourceStatus {
  SourceKind kind = SourceKind::message;
  std::string source_id;
  std::string team_id;
  ItemStatus status = ItemStatus::queued;
  std::string reason;
  std::vector<Delivery> deliveries;
};

struct AcceptResult {
  bool duplicate = false;  // true: nothing was written; `status` is the earlier record's
  SourceStatus status;
  std::vector<ItemId> item_ids;  // ids of the new items, in request order (empty for duplicates)
  // The items taken at accept (AcceptRequest::claim), in_flight for its lease owner: the caller
  // delivers them and records their outcomes as for claimed ones.
  std::vector<OutboxItem> claimed;
};

// A relayed DM as bridgebot posted it (a "recipient" delivery of a message): what a Slack reply
// in that DM answers.
struct BridgedDm {
  std::string source_id;     // the platform message id
  std::string recipient;     // the outbox item's destination: the recipient's platform id
  std::string payload_json;  // the message item's payload (outbox_payloads.h)
  std::string slack_user;    // the recipient's Slack user
  std::string ts;            // where it was posted in the DM
};

// ---- threads, leases, maintenance ----

// A lease row: who holds `name` until when (expired rows stay until taken or released).
struct Lease {
  std::string name;
  std::string owner;
  UnixSeconds expires_at = 0;
};

// The first post of a notification thread; later notifications with the same key reply under it.
struct ThreadAnchor {
  std::string team_id;
  std::string destination;
  std::string thread_key;
  std::string channel;
  std::string ts;
};

// Rows removed by purge_team, per table.
struct PurgeCounts {
  std::int64_t links = 0;
  std::int64_t directory_entries = 0;
  std::int64_t outbox_items = 0;
  std::int64_t deliveries = 0;
  std::int64_t sources = 0;  // idempotency records
  std::int64_t thread_anchors = 0;
  std::int64_t inbox_events = 0;      // Slack events recorded for the team (their payloads)
  bool installation_revoked = false;  // false when the team had no installation row
};

// What one workspace holds, as the admin's installation list shows it.
struct TeamUsage {
  std::int64_t links = 0;
  std::int64_t connected_users = 0;  // links holding a personal Connect user token
  std::int64_t queued_items = 0;     // outbox items not finished yet (queued or in flight)
};

// A notification destination of one workspace whose latest finished notification failed: what
// Test Connection reports, since a route that stopped working fails each item quietly.
struct FailingDestination {
  std::string destination;        // the destination key ("channel:C1", "webhook:…", "default")
  std::string reason;             // the latest failure's reason (Slack's error code or ours)
  std::int64_t failed_items = 0;  // failed since the last notification delivered there
};

// What a configured source (a Zendesk webhook) last did, as Test Connection reports it. Events and
// failures are recorded independently: a source that fails now still shows its last good event.
struct SourceActivity {
  std::string source_id;  // "zendesk:<id>" (the kind of source, then its configured id)
  std::string last_event_id;
  std::optional<UnixSeconds> last_event_at;  // nullopt: no event accepted yet
  std::string last_failure;                  // "<code>: <sentence>"; "" when none
  std::optional<UnixSeconds> last_failure_at;
};

// ---- events inbox ----

// Assigned by the store when an event is recorded; grows with arrival.
using InboxId = std::int64_t;

// A Slack event (over Socket Mode or HTTP), recorded before Slack is told it arrived. Recorded
// as pending; claimed (in_flight) by the one process handling events; done when handled or given
// up, after which only its event_id matters (de-duplication) until it is pruned.
struct InboxEvent {
  InboxId inbox_id = 0;  // assigned by record_event
  std::string event_id;  // Slack's, globally unique: the de-duplication key
  std::string team_id;
  std::string event_type;    // event.type, for logs
  std::string payload_json;  // the Events API `event` object; dropped once done
  int attempts = 0;          // claims so far, this one included
  UnixSeconds next_attempt_at = 0;
  std::string reason;  // why the last attempt failed ("" when none did)
  UnixSeconds received_at = 0;
};

// Counters for tests and /metrics. Monotonic since open.
struct StoreStats {
  std::uint64_t write_operations = 0;    // mutating calls committed or failed
  std::uint64_t write_transactions = 0;  // transactions the writer committed (group commits)
};

}  // namespace bridgebot::store
