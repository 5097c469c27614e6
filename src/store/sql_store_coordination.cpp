// Notification thread anchors, leases, source activity and OAuth states.
#include "sql_store.h"
#include "store_rules.h"

namespace bridgebot::store::sql {
namespace {

// OAuth states are lease rows named "oauth_state:<nonce>" (owner "oauth_state"; rows written as
// consumed markers by earlier versions have other owners and go with the expired ones).
// $1 now.
constexpr std::string_view kPruneOAuthStates =
    "DELETE FROM leases WHERE substr(name, 1, 12) = 'oauth_state:' AND expires_at <= $1";
constexpr std::string_view kCountOAuthStates =
    "SELECT COUNT(*) FROM leases WHERE substr(name, 1, 12) = 'oauth_state:'";

std::string oauth_state_name(std::string_view nonce) {
  return "oauth_state:" + std::string(nonce);
}

}  // namespace

// ---- notification threads ----

Result<std::optional<ThreadAnchor>> SqlStore::get_thread_anchor(std::string_view team_id,
                                                                std::string_view destination,
                                                                std::string_view thread_key) {
  return select_one(
      "SELECT channel, ts FROM thread_anchors "
      "WHERE team_id = $1 AND destination = $2 AND thread_key = $3",
      Params().text(team_id).text(destination).text(thread_key), [&](const Row& row) {
        return ThreadAnchor{std::string(team_id), std::string(destination), std::string(thread_key),
                            row.text(0), row.text(1)};
      });
}

Status SqlStore::put_thread_anchor(const ThreadAnchor& anchor) {
  return db_->write([&](Session& s) -> Status {
    if (Status active = active_team(s, anchor.team_id); !active.ok()) return active;
    auto stored = s.exec(
        "INSERT INTO thread_anchors (team_id, destination, thread_key, channel, ts) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id, destination, thread_key) "
        "DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
        Params()
            .text(anchor.team_id)
            .text(anchor.destination)
            .text(anchor.thread_key)
            .text(anchor.channel)
            .text(anchor.ts));
    return stored ? Status::success() : Status(stored.error());
  });
}

// ---- leases: each decided by one statement, which locks the lease row (on SQLite the writer's
// transaction holds the database): two stores cannot both see a lease as free ----

Result<bool> SqlStore::acquire_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                                     std::int64_t ttl_seconds) {
  auto taken = change(
      "INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
      "WHERE leases.owner = excluded.owner OR leases.expires_at <= $4",
      Params().text(name).text(owner).integer(now + ttl_seconds).integer(now));
  if (!taken) return taken.error();
  return *taken > 0;
}

Result<bool> SqlStore::renew_lease(std::string_view name, std::string_view owner, UnixSeconds now,
                                   std::int64_t ttl_seconds) {
  auto renewed =
      change("UPDATE leases SET expires_at = $3 WHERE name = $1 AND owner = $2 AND expires_at > $4",
             Params().text(name).text(owner).integer(now + ttl_seconds).integer(now));
  if (!renewed) return renewed.error();
  return *renewed > 0;
}

Status SqlStore::release_lease(std::string_view name, std::string_view owner) {
  auto released =
      change("DELETE FROM leases WHERE name = $1 AND owner = $2", Params().text(name).text(owner));
  if (!released) return released.error();
  return Status::success();
}

Result<std::vector<Lease>> SqlStore::list_leases(std::string_view prefix) {
  return select_all(
      "SELECT name, owner, expires_at FROM leases WHERE substr(name, 1, length($1)) = $1 "
      "ORDER BY name",
      Params().text(prefix), [](const Row& row) {
        return Lease{row.text(0), row.text(1), row.integer(2)};
      });
}

Result<std::vector<std::string>> SqlStore::renew_leases(std::string_view prefix,
                                                        std::string_view owner, UnixSeconds now,
                                                        std::int64_t ttl_seconds) {
  std::vector<std::string> renewed;
  Status written = db_->write([&](Session& s) -> Status {
    renewed.clear();
    auto rows = s.exec(
        "UPDATE leases SET expires_at = $3 WHERE substr(name, 1, length($1)) = $1 "
        "AND owner = $2 AND expires_at > $4 RETURNING name",
        Params().text(prefix).text(owner).integer(now + ttl_seconds).integer(now),
        [&](const Row& row) { renewed.push_back(row.text(0)); });
    return rows ? Status::success() : Status(rows.error());
  });
  if (!written.ok()) return written.error();
  return renewed;
}

// ---- source activity: each record keeps the other half ----

Status SqlStore::record_source_event(std::string_view source_id, std::string_view event_id,
                                     UnixSeconds at) {
  auto changed = change(
      "INSERT INTO source_activity (source_id, last_event_id, last_event_at, last_failure) "
      "VALUES ($1, $2, $3, '') ON CONFLICT (source_id) DO UPDATE SET "
      "last_event_id = excluded.last_event_id, last_event_at = excluded.last_event_at",
      Params().text(source_id).text(event_id).integer(at));
  if (!changed) return changed.error();
  return Status::success();
}

Status SqlStore::record_source_failure(std::string_view source_id, std::string_view failure,
                                       UnixSeconds at) {
  auto changed = change(
      "INSERT INTO source_activity (source_id, last_event_id, last_failure, last_failure_at) "
      "VALUES ($1, '', $2, $3) ON CONFLICT (source_id) DO UPDATE SET "
      "last_failure = excluded.last_failure, last_failure_at = excluded.last_failure_at",
      Params().text(source_id).text(failure).integer(at));
  if (!changed) return changed.error();
  return Status::success();
}

Result<std::vector<SourceActivity>> SqlStore::source_activity() {
  return select_all(
      "SELECT source_id, last_event_id, last_event_at, last_failure, last_failure_at "
      "FROM source_activity ORDER BY source_id",
      Params(), [](const Row& row) {
        return SourceActivity{row.text(0), row.text(1), row.optional_integer(2), row.text(3),
                              row.optional_integer(4)};
      });
}

// ---- OAuth states ----

Result<bool> SqlStore::put_oauth_state(std::string_view nonce, UnixSeconds expires_at,
                                       UnixSeconds now, std::int64_t max_live) {
  bool recorded = false;
  // PostgreSQL replicas issuing at once may each see max_live - 1 and insert: the bound holds
  // within the number of concurrent issuers, which is what it is for.
  Status done = db_->write([&](Session& s) -> Status {
    recorded = false;
    if (auto pruned = s.exec(kPruneOAuthStates, Params().integer(now)); !pruned) {
      return pruned.error();
    }
    std::int64_t live = 0;
    auto counted =
        s.exec(kCountOAuthStates, Params(), [&](const Row& row) { live = row.integer(0); });
    if (!counted) return counted.error();
    if (live >= max_live) return Status::success();
    auto put = s.exec(
        "INSERT INTO leases (name, owner, expires_at) VALUES ($1, 'oauth_state', $2) "
        "ON CONFLICT (name) DO NOTHING",
        Params().text(oauth_state_name(nonce)).integer(expires_at));
    if (!put) return put.error();
    recorded = *put > 0;
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return recorded;
}

Result<bool> SqlStore::take_oauth_state(std::string_view nonce, UnixSeconds now) {
  auto taken =
      change("DELETE FROM leases WHERE name = $1 AND owner = 'oauth_state' AND expires_at > $2",
             Params().text(oauth_state_name(nonce)).integer(now));
  if (!taken) return taken.error();
  return *taken > 0;
}

Result<std::int64_t> SqlStore::count_oauth_states() {
  auto count =
      select_one(kCountOAuthStates, Params(), [](const Row& row) { return row.integer(0); });
  if (!count) return count.error();
  return count->value_or(0);
}

}  // namespace bridgebot::store::sql
