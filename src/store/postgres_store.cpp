#include <utility>

#include "postgres_schema.h"
#include "postgres_store_impl.h"
#include "shared_sql.h"

namespace bridgebot::store {

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const PostgresOptions& options) {
  if (options.connections < 1) {
    return make_error("invalid_argument", "the PostgreSQL store needs at least one connection");
  }
  std::vector<std::unique_ptr<postgres::Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    auto connection = postgres::Connection::open(url);
    if (!connection) return connection.error();
    if (i == 0) {
      if (Status migrated = postgres::migrate(**connection); !migrated.ok()) {
        return migrated.error();
      }
    }
    connections.push_back(std::move(*connection));
  }
  return std::unique_ptr<Store>(
      new postgres::PostgresStore(std::make_unique<postgres::Pool>(std::move(connections))));
}

namespace postgres {

Status lock_active_team(Connection& db, std::string_view team_id) {
  auto active = db.exec(kLockActiveTeam, Params().text(team_id));
  if (!active) return active.error();
  if (active->size() == 0) return team_not_installed(team_id);
  return Status::success();
}

Status PostgresStore::write(const std::function<Status(Connection&)>& work) {
  ++write_operations_;
  Status done = pool_->transaction(work);
  if (done.ok()) ++write_transactions_;
  return done;
}

Result<std::int64_t> PostgresStore::change(std::string_view sql, const Params& params) {
  std::int64_t changed = 0;
  Status done = write([&](Connection& db) -> Status {
    auto rows = db.exec(sql, params);
    if (!rows) return rows.error();
    changed = rows->affected();
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return changed;
}

StoreStats PostgresStore::stats() const {
  return {write_operations_.load(), write_transactions_.load()};
}

// ---- notification threads ----

Result<std::optional<ThreadAnchor>> PostgresStore::get_thread_anchor(std::string_view team_id,
                                                                     std::string_view destination,
                                                                     std::string_view thread_key) {
  std::optional<ThreadAnchor> anchor;
  Status done = read([&](Connection& db) -> Status {
    auto rows = db.exec(
        "SELECT channel, ts FROM thread_anchors "
        "WHERE team_id = $1 AND destination = $2 AND thread_key = $3",
        Params().text(team_id).text(destination).text(thread_key));
    if (!rows) return rows.error();
    if (rows->size() > 0) {
      anchor = ThreadAnchor{std::string(team_id), std::string(destination), std::string(thread_key),
                            rows->text(0, 0), rows->text(0, 1)};
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return anchor;
}

Status PostgresStore::put_thread_anchor(const ThreadAnchor& anchor) {
  return write([&](Connection& db) -> Status {
    if (Status active = lock_active_team(db, anchor.team_id); !active.ok()) return active;
    auto rows = db.exec(
        "INSERT INTO thread_anchors (team_id, destination, thread_key, channel, ts) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id, destination, thread_key) "
        "DO UPDATE SET channel = EXCLUDED.channel, ts = EXCLUDED.ts",
        Params()
            .text(anchor.team_id)
            .text(anchor.destination)
            .text(anchor.thread_key)
            .text(anchor.channel)
            .text(anchor.ts));
    if (!rows) return rows.error();
    return Status::success();
  });
}

// ---- leases: decided by one statement, which locks the lease row ----

Result<bool> PostgresStore::acquire_lease(std::string_view name, std::string_view owner,
                                          UnixSeconds now, std::int64_t ttl_seconds) {
  auto taken = change(sql::kAcquireLease,
                      Params().text(name).text(owner).integer(now + ttl_seconds).integer(now));
  if (!taken) return taken.error();
  return *taken > 0;
}

Result<bool> PostgresStore::renew_lease(std::string_view name, std::string_view owner,
                                        UnixSeconds now, std::int64_t ttl_seconds) {
  auto renewed =
      change("UPDATE leases SET expires_at = $3 WHERE name = $1 AND owner = $2 AND expires_at > $4",
             Params().text(name).text(owner).integer(now + ttl_seconds).integer(now));
  if (!renewed) return renewed.error();
  return *renewed > 0;
}

Status PostgresStore::release_lease(std::string_view name, std::string_view owner) {
  auto released =
      change("DELETE FROM leases WHERE name = $1 AND owner = $2", Params().text(name).text(owner));
  if (!released) return released.error();
  return Status::success();
}

// ---- source activity ----

Status PostgresStore::record_source_event(std::string_view source_id, std::string_view event_id,
                                          UnixSeconds at) {
  auto changed =
      change(sql::kRecordSourceEvent, Params().text(source_id).text(event_id).integer(at));
  if (!changed) return changed.error();
  return Status::success();
}

Status PostgresStore::record_source_failure(std::string_view source_id, std::string_view failure,
                                            UnixSeconds at) {
  auto changed =
      change(sql::kRecordSourceFailure, Params().text(source_id).text(failure).integer(at));
  if (!changed) return changed.error();
  return Status::success();
}

Result<std::vector<SourceActivity>> PostgresStore::source_activity() {
  std::vector<SourceActivity> out;
  Status done = read([&](Connection& db) -> Status {
    auto rows = db.exec(sql::kSourceActivity, Params());
    if (!rows) return rows.error();
    auto optional = [&](int r, int c) -> std::optional<UnixSeconds> {
      if (rows->is_null(r, c)) return std::nullopt;
      return rows->integer(r, c);
    };
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back(
          {rows->text(r, 0), rows->text(r, 1), optional(r, 2), rows->text(r, 3), optional(r, 4)});
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return out;
}

// ---- OAuth states ----

namespace {

std::string oauth_state_name(std::string_view nonce) {
  return "oauth_state:" + std::string(nonce);
}

}  // namespace

Result<bool> PostgresStore::put_oauth_state(std::string_view nonce, UnixSeconds expires_at,
                                            UnixSeconds now, std::int64_t max_live) {
  bool recorded = false;
  // Replicas issuing at once may each see max_live - 1 and insert: the bound holds within the
  // number of concurrent issuers, which is what it is for.
  Status done = write([&](Connection& db) -> Status {
    if (auto pruned = db.exec(sql::kPruneOAuthStates, Params().integer(now)); !pruned) {
      return pruned.error();
    }
    auto count = db.exec(sql::kCountOAuthStates, Params());
    if (!count) return count.error();
    if (count->integer(0, 0) >= max_live) return Status::success();
    auto put =
        db.exec(sql::kPutOAuthState, Params().text(oauth_state_name(nonce)).integer(expires_at));
    if (!put) return put.error();
    recorded = put->affected() > 0;
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return recorded;
}

Result<bool> PostgresStore::take_oauth_state(std::string_view nonce, UnixSeconds now) {
  auto taken = change(sql::kTakeOAuthState, Params().text(oauth_state_name(nonce)).integer(now));
  if (!taken) return taken.error();
  return *taken > 0;
}

Result<std::int64_t> PostgresStore::count_oauth_states() {
  std::int64_t count = 0;
  Status done = read([&](Connection& db) -> Status {
    auto rows = db.exec(sql::kCountOAuthStates, Params());
    if (!rows) return rows.error();
    count = rows->integer(0, 0);
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return count;
}

// ---- maintenance ----

Result<PurgeCounts> PostgresStore::purge_team(std::string_view team_id, UnixSeconds now) {
  PurgeCounts counts;
  Status done = write([&](Connection& db) -> Status {
    // The installation first: its row lock makes every write that checks it wait, so nothing
    // lands after the deletes below.
    auto revoked = db.exec(
        "UPDATE installations SET state = 'revoked', bot_token = NULL, refresh_token = NULL, "
        "token_expires_at = NULL, webhook_url = NULL, updated_at = $2 WHERE team_id = $1",
        Params().text(team_id).integer(now));
    if (!revoked) return revoked.error();
    counts.installation_revoked = revoked->affected() > 0;
    for (const auto& [statement, count] : sql::kPurgeDeletes) {
      auto rows = db.exec(statement, Params().text(team_id));
      if (!rows) return rows.error();
      counts.*count = rows->affected();
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return counts;
}

Result<std::int64_t> PostgresStore::prune_finished(UnixSeconds cutoff, int limit) {
  return change(sql::kPruneFinished, Params().integer(cutoff).integer(std::int64_t{limit}));
}

Result<TeamUsage> PostgresStore::team_usage(std::string_view team_id) {
  TeamUsage usage;
  Status done = read([&](Connection& db) -> Status {
    auto rows = db.exec(sql::kTeamUsage, Params().text(team_id));
    if (!rows) return rows.error();
    usage = {rows->integer(0, 0), rows->integer(0, 1), rows->integer(0, 2)};
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return usage;
}

Result<std::vector<FailingDestination>> PostgresStore::failing_destinations(
    std::string_view team_id) {
  std::vector<FailingDestination> out;
  Status done = read([&](Connection& db) -> Status {
    auto rows = db.exec(sql::kFailingDestinations, Params().text(team_id));
    if (!rows) return rows.error();
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->text(r, 0), rows->text(r, 2), rows->integer(r, 1)});
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return out;
}

}  // namespace postgres
}  // namespace bridgebot::store
