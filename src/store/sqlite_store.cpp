#include <utility>

#include "migrations.h"
#include "shared_sql.h"
#include "sqlite_schema.h"
#include "sqlite_store_impl.h"

namespace bridgebot::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options) {
  // Reader and writer are two connections, so they must reach the same file.
  if (path.empty() || path == ":memory:") {
    return make_error("invalid_argument", "the SQLite store needs a file path, got '" + path + "'");
  }
  auto writer = sqlite::Connection::open(path, options.busy_timeout);
  if (!writer) return writer.error();
  if (Status migrated = sqlite::migrate(**writer, sqlite::store_migrations()); !migrated.ok()) {
    return migrated.error();
  }
  auto reader = sqlite::Connection::open(path, options.busy_timeout);
  if (!reader) return reader.error();
  return std::unique_ptr<Store>(
      new sqlite::SqliteStore(std::move(*writer), std::move(*reader), options.max_group_size));
}

namespace sqlite {
namespace {

// Runs a DELETE/UPDATE keyed by team_id and returns how many rows it changed.
Result<std::int64_t> change_team_rows(Connection& db, std::string_view sql,
                                      std::string_view team_id) {
  auto statement = db.prepare(sql);
  if (!statement) return statement.error();
  if (Status s = statement->bind(1, team_id).run(); !s.ok()) return s.error();
  return db.changes();
}

}  // namespace

Result<PurgeCounts> SqliteStore::purge_team(std::string_view team_id, UnixSeconds now) {
  PurgeCounts counts;
  Status written = writer_.write([&](Connection& db) -> Status {
    for (const auto& [statement, count] : sql::kPurgeDeletes) {
      auto changed = change_team_rows(db, statement, team_id);
      if (!changed) return changed.error();
      counts.*count = *changed;
    }
    auto revoke = db.prepare(
        "UPDATE installations SET state = 'revoked', bot_token = NULL, refresh_token = NULL, "
        "token_expires_at = NULL, webhook_url = NULL, updated_at = ?2 WHERE team_id = ?1");
    if (!revoke) return revoke.error();
    if (Status s = revoke->bind(1, team_id).bind(2, now).run(); !s.ok()) return s;
    counts.installation_revoked = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return counts;
}

Result<std::int64_t> SqliteStore::prune_finished(UnixSeconds cutoff, int limit) {
  std::int64_t pruned = 0;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto prune = db.prepare(sql::kPruneFinished);
    if (!prune) return prune.error();
    if (Status s = prune->bind(1, cutoff).bind(2, std::int64_t{limit}).run(); !s.ok()) return s;
    pruned = db.changes();
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return pruned;
}

Result<TeamUsage> SqliteStore::team_usage(std::string_view team_id) {
  return with_reader([&](Connection& db) -> Result<TeamUsage> {
    auto query = db.prepare(sql::kTeamUsage);
    if (!query) return query.error();
    query->bind(1, team_id);
    auto row = query->step();
    if (!row) return row.error();
    return TeamUsage{query->integer(0), query->integer(1), query->integer(2)};
  });
}

Result<std::vector<FailingDestination>> SqliteStore::failing_destinations(
    std::string_view team_id) {
  return with_reader([&](Connection& db) -> Result<std::vector<FailingDestination>> {
    auto query = db.prepare(sql::kFailingDestinations);
    if (!query) return query.error();
    query->bind(1, team_id);
    std::vector<FailingDestination> out;
    while (true) {
      auto row = query->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back({query->text(0), query->text(2), query->integer(1)});
    }
    return out;
  });
}

}  // namespace sqlite
}  // namespace bridgebot::store
