// Statements both backends run word for word, so that they cannot drift apart (a table added to
// both schemas that holds a workspace's rows is purged by both once it is listed here).
//
// Parameters are written $1, $2, …: PostgreSQL's positional form, which SQLite reads as named
// parameters numbered in order of first appearance, the same name sharing one number. So each
// text must name its parameters in increasing order of first use.
#pragma once

#include <cstdint>
#include <string_view>

#include "bridgebot/store/types.h"

namespace bridgebot::store::sql {

// purge_team's deletes, children before parents so that each count is of rows that table
// itself lost; $1 is the team id.
struct TeamDelete {
  std::string_view sql;
  std::int64_t PurgeCounts::*count;
};
inline constexpr TeamDelete kPurgeDeletes[] = {
    {"DELETE FROM deliveries WHERE item_id IN (SELECT item_id FROM outbox WHERE team_id = $1)",
     &PurgeCounts::deliveries},
    {"DELETE FROM outbox WHERE team_id = $1", &PurgeCounts::outbox_items},
    {"DELETE FROM sources WHERE team_id = $1", &PurgeCounts::sources},
    {"DELETE FROM links WHERE team_id = $1", &PurgeCounts::links},
    {"DELETE FROM directory WHERE team_id = $1", &PurgeCounts::directory_entries},
    {"DELETE FROM thread_anchors WHERE team_id = $1", &PurgeCounts::thread_anchors},
    {"DELETE FROM inbox WHERE team_id = $1", &PurgeCounts::inbox_events},
};

// prune_finished: $1 cutoff, $2 limit. Outbox items and deliveries go with their source (ON
// DELETE CASCADE).
inline constexpr std::string_view kPruneFinished =
    "DELETE FROM sources WHERE (kind, source_id) IN ("
    "  SELECT s.kind, s.source_id FROM sources AS s WHERE s.created_at < $1 "
    "  AND NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.kind = s.kind "
    "    AND o.source_id = s.source_id AND o.status IN ('queued', 'in_flight')) "
    "  LIMIT $2)";

// team_usage: links, connected links, unfinished items of team $1, from one snapshot.
inline constexpr std::string_view kTeamUsage =
    "SELECT (SELECT COUNT(*) FROM links WHERE team_id = $1), "
    "(SELECT COUNT(*) FROM links WHERE team_id = $1 AND has_user_token != 0), "
    "(SELECT COUNT(*) FROM outbox WHERE team_id = $1 AND status IN ('queued', 'in_flight'))";

// failing_destinations of team $1: (destination, failed count, latest reason) for the failed
// items after each destination's last delivered one (item ids grow with acceptance).
inline constexpr std::string_view kFailingDestinations =
    "WITH team AS (SELECT item_id, destination, status, reason FROM outbox "
    "  WHERE team_id = $1 AND kind = 'notification'), "
    "last_delivered AS (SELECT destination, MAX(item_id) AS item_id FROM team "
    "  WHERE status = 'delivered' GROUP BY destination), "
    "failed AS (SELECT team.* FROM team LEFT JOIN last_delivered USING (destination) "
    "  WHERE team.status = 'failed' AND team.item_id > COALESCE(last_delivered.item_id, 0)) "
    "SELECT destination, COUNT(*), "
    "  (SELECT reason FROM failed AS latest WHERE latest.destination = failed.destination "
    "   ORDER BY item_id DESC LIMIT 1) "
    "FROM failed GROUP BY destination ORDER BY destination";

// acquire_lease: $1 name, $2 owner, $3 new expiry, $4 now. Takes a free, expired or own lease in
// one statement, which locks the lease row while it decides.
inline constexpr std::string_view kAcquireLease =
    "INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
    "WHERE leases.owner = excluded.owner OR leases.expires_at <= $4";

// Source activity: $1 source id, $2 event id or failure, $3 time. Each keeps the other half.
inline constexpr std::string_view kRecordSourceEvent =
    "INSERT INTO source_activity (source_id, last_event_id, last_event_at, last_failure) "
    "VALUES ($1, $2, $3, '') ON CONFLICT (source_id) DO UPDATE SET "
    "last_event_id = excluded.last_event_id, last_event_at = excluded.last_event_at";
inline constexpr std::string_view kRecordSourceFailure =
    "INSERT INTO source_activity (source_id, last_event_id, last_failure, last_failure_at) "
    "VALUES ($1, '', $2, $3) ON CONFLICT (source_id) DO UPDATE SET "
    "last_failure = excluded.last_failure, last_failure_at = excluded.last_failure_at";
inline constexpr std::string_view kSourceActivity =
    "SELECT source_id, last_event_id, last_event_at, last_failure, last_failure_at "
    "FROM source_activity ORDER BY source_id";

// ---- events inbox ----

// record_event: $1 event_id, $2 team_id, $3 event_type, $4 payload, $5 received_at (also due).
inline constexpr std::string_view kRecordEvent =
    "INSERT INTO inbox (event_id, team_id, event_type, payload, status, attempts, "
    "next_attempt_at, reason, received_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, '', $5) "
    "ON CONFLICT (event_id) DO NOTHING";

// claim_events: $1 now, $2 limit. Rows come back in no particular order.
inline constexpr std::string_view kClaimEvents =
    "UPDATE inbox SET status = 'in_flight', attempts = attempts + 1 WHERE inbox_id IN ("
    "  SELECT inbox_id FROM inbox WHERE status = 'pending' AND next_attempt_at <= $1 "
    "  ORDER BY inbox_id LIMIT $2) "
    "RETURNING inbox_id, event_id, team_id, event_type, payload, attempts, next_attempt_at, "
    "reason, received_at";

// finish_event: $1 reason, $2 inbox_id.
inline constexpr std::string_view kFinishEvent =
    "UPDATE inbox SET status = 'done', payload = '', reason = $1 "
    "WHERE inbox_id = $2 AND status = 'in_flight'";

// retry_event: $1 next_attempt_at, $2 reason, $3 inbox_id.
inline constexpr std::string_view kRetryEvent =
    "UPDATE inbox SET status = 'pending', next_attempt_at = $1, reason = $2 "
    "WHERE inbox_id = $3 AND status = 'in_flight'";

inline constexpr std::string_view kRecoverEvents =
    "UPDATE inbox SET status = 'pending' WHERE status = 'in_flight'";

// prune_events: $1 cutoff, $2 limit.
inline constexpr std::string_view kPruneEvents =
    "DELETE FROM inbox WHERE inbox_id IN (SELECT inbox_id FROM inbox "
    "  WHERE status = 'done' AND received_at < $1 ORDER BY inbox_id LIMIT $2)";

// OAuth states are lease rows named "oauth_state:<nonce>" (owner "oauth_state"; rows written as
// consumed markers by earlier versions have other owners and go with the expired ones).
// $1 now.
inline constexpr std::string_view kPruneOAuthStates =
    "DELETE FROM leases WHERE substr(name, 1, 12) = 'oauth_state:' AND expires_at <= $1";
inline constexpr std::string_view kCountOAuthStates =
    "SELECT COUNT(*) FROM leases WHERE substr(name, 1, 12) = 'oauth_state:'";
// $1 name, $2 expiry.
inline constexpr std::string_view kPutOAuthState =
    "INSERT INTO leases (name, owner, expires_at) VALUES ($1, 'oauth_state', $2) "
    "ON CONFLICT (name) DO NOTHING";
// $1 name, $2 now.
inline constexpr std::string_view kTakeOAuthState =
    "DELETE FROM leases WHERE name = $1 AND owner = 'oauth_state' AND expires_at > $2";

// ---- replies ----

// find_bridged_dm: $1 team, $2 DM channel, $3 the thread's ts (kBridgedDmAt) or the reply's ts
// (kBridgedDmBefore: the latest relayed DM before it). Slack ts values of one era have one width,
// so text order is time order.
inline constexpr std::string_view kBridgedDmAt =
    "SELECT o.source_id, o.destination, o.payload, d.slack_user, d.ts "
    "FROM deliveries AS d JOIN outbox AS o ON o.item_id = d.item_id "
    "WHERE o.team_id = $1 AND d.channel = $2 AND d.ts = $3 AND d.role = 'recipient' "
    "AND o.kind = 'message' LIMIT 1";
inline constexpr std::string_view kBridgedDmBefore =
    "SELECT o.source_id, o.destination, o.payload, d.slack_user, d.ts "
    "FROM deliveries AS d JOIN outbox AS o ON o.item_id = d.item_id "
    "WHERE o.team_id = $1 AND d.channel = $2 AND d.ts < $3 AND d.role = 'recipient' "
    "AND o.kind = 'message' ORDER BY d.ts DESC LIMIT 1";

}  // namespace bridgebot::store::sql
