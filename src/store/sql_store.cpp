// SqlStore's shared helpers, and purge and maintenance.
#include "sql_store.h"

#include <utility>

#include "store_rules.h"

namespace bridgebot::store::sql {
namespace {

// purge_team's deletes, children before parents so that each count is of rows that table itself
// lost; $1 is the team id. A table added to the schema that holds a workspace's rows is listed
// here. The outbox has no index by team: a workspace's items are found through its sources (an
// item's team is its source's), here and in the admin's reads below.
struct TeamDelete {
  std::string_view sql;
  std::int64_t PurgeCounts::*count;
};
constexpr TeamDelete kPurgeDeletes[] = {
    {"DELETE FROM deliveries WHERE item_id IN (SELECT o.item_id FROM sources AS s "
     "JOIN outbox AS o ON o.kind = s.kind AND o.source_id = s.source_id WHERE s.team_id = $1)",
     &PurgeCounts::deliveries},
    {"DELETE FROM outbox WHERE item_id IN (SELECT o.item_id FROM sources AS s "
     "JOIN outbox AS o ON o.kind = s.kind AND o.source_id = s.source_id WHERE s.team_id = $1)",
     &PurgeCounts::outbox_items},
    {"DELETE FROM sources WHERE team_id = $1", &PurgeCounts::sources},
    {"DELETE FROM links WHERE team_id = $1", &PurgeCounts::links},
    {"DELETE FROM directory WHERE team_id = $1", &PurgeCounts::directory_entries},
    {"DELETE FROM thread_anchors WHERE team_id = $1", &PurgeCounts::thread_anchors},
    {"DELETE FROM inbox WHERE team_id = $1", &PurgeCounts::inbox_events},
};

// $1 cutoff, $2 limit. Outbox items and deliveries go with their source (ON DELETE CASCADE).
constexpr std::string_view kPruneFinished =
    "DELETE FROM sources WHERE (kind, source_id) IN ("
    "  SELECT s.kind, s.source_id FROM sources AS s WHERE s.created_at < $1 "
    "  AND NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.kind = s.kind "
    "    AND o.source_id = s.source_id AND o.status IN ('queued', 'in_flight')) "
    "  LIMIT $2)";

// Links, connected links, unfinished items of team $1, from one snapshot.
constexpr std::string_view kTeamUsage =
    "SELECT (SELECT COUNT(*) FROM links WHERE team_id = $1), "
    "(SELECT COUNT(*) FROM links WHERE team_id = $1 AND has_user_token != 0), "
    "(SELECT COUNT(*) FROM sources AS s JOIN outbox AS o ON o.kind = s.kind "
    "AND o.source_id = s.source_id WHERE s.team_id = $1 AND o.status IN ('queued', 'in_flight'))";

// Of team $1: (destination, failed count, latest reason) for the failed items after each
// destination's last delivered one (item ids grow with acceptance).
constexpr std::string_view kFailingDestinations =
    "WITH team AS (SELECT o.item_id, o.destination, o.status, o.reason FROM sources AS s "
    "  JOIN outbox AS o ON o.kind = s.kind AND o.source_id = s.source_id "
    "  WHERE s.team_id = $1 AND s.kind = 'notification'), "
    "last_delivered AS (SELECT destination, MAX(item_id) AS item_id FROM team "
    "  WHERE status = 'delivered' GROUP BY destination), "
    "failed AS (SELECT team.* FROM team LEFT JOIN last_delivered USING (destination) "
    "  WHERE team.status = 'failed' AND team.item_id > COALESCE(last_delivered.item_id, 0)) "
    "SELECT destination, COUNT(*), "
    "  (SELECT reason FROM failed AS latest WHERE latest.destination = failed.destination "
    "   ORDER BY item_id DESC LIMIT 1) "
    "FROM failed GROUP BY destination ORDER BY destination";

}  // namespace

SqlStore::SqlStore(std::unique_ptr<Database> db)
    : db_(std::move(db)),
      dialect_(db_->dialect()),
      active_team_sql_("SELECT 1 FROM installations WHERE team_id = $1 AND state = 'active'" +
                       std::string(dialect_.share_lock)),
      insert_item_sql_(
          "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
          "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at, "
          "delivery_partition) VALUES ($1, $2, $3, $4, $5, $6, $11, '', 0, $7, $8, $12, $9, "
          "$10)" +
          std::string(dialect_.returning_item_id)),
      deliveries_of_source_sql_(
          "SELECT d.role, d.slack_user, d.channel, d.ts FROM deliveries AS d "
          "JOIN outbox AS o ON o.item_id = d.item_id "
          "WHERE o.kind = $1 AND o.source_id = $2 ORDER BY d.item_id, " +
          std::string(dialect_.delivery_order)),
      claim_sql_(claim_due_sql(dialect_)),
      recover_sql_(recover_in_flight_sql(dialect_)) {}

Result<std::int64_t> SqlStore::change(std::string_view sql, const Params& params) {
  std::int64_t changed = 0;
  Status done = db_->write([&](Session& s) -> Status {
    auto rows = s.exec(sql, params);
    if (!rows) return rows.error();
    changed = *rows;
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return changed;
}

Status SqlStore::active_team(Session& s, std::string_view team_id) const {
  bool active = false;
  auto rows = s.exec(active_team_sql_, Params().text(team_id), [&](const Row&) { active = true; });
  if (!rows) return rows.error();
  return active ? Status::success() : Status(team_not_installed(team_id));
}

Result<PurgeCounts> SqlStore::purge_team(std::string_view team_id, UnixSeconds now) {
  PurgeCounts counts;
  Status done = db_->write([&](Session& s) -> Status {
    counts = PurgeCounts{};
    // The installation first: on PostgreSQL its row lock makes every write that checks it wait,
    // so nothing lands after the deletes below.
    auto revoked = s.exec(
        "UPDATE installations SET state = 'revoked', bot_token = NULL, refresh_token = NULL, "
        "token_expires_at = NULL, webhook_url = NULL, updated_at = $2, generation = $3 "
        "WHERE team_id = $1",
        Params().text(team_id).integer(now).integer(new_generation()));
    if (!revoked) return revoked.error();
    counts.installation_revoked = *revoked > 0;
    for (const auto& [statement, count] : kPurgeDeletes) {
      auto deleted = s.exec(statement, Params().text(team_id));
      if (!deleted) return deleted.error();
      counts.*count = *deleted;
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return counts;
}

Result<std::int64_t> SqlStore::prune_finished(UnixSeconds cutoff, int limit) {
  return change(kPruneFinished, Params().integer(cutoff).integer(std::int64_t{limit}));
}

Result<TeamUsage> SqlStore::team_usage(std::string_view team_id) {
  auto usage = select_one(kTeamUsage, Params().text(team_id), [](const Row& row) {
    return TeamUsage{row.integer(0), row.integer(1), row.integer(2)};
  });
  if (!usage) return usage.error();
  return usage->value_or(TeamUsage{});
}

Result<std::vector<FailingDestination>> SqlStore::failing_destinations(std::string_view team_id) {
  return select_all(kFailingDestinations, Params().text(team_id), [](const Row& row) {
    return FailingDestination{row.text(0), row.text(2), row.integer(1)};
  });
}

}  // namespace bridgebot::store::sql
