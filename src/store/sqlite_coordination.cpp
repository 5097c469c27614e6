// Notification thread anchors and leases.
#include "shared_sql.h"
#include "sqlite_store_impl.h"

namespace bridgebot::store::sqlite {

Result<std::optional<ThreadAnchor>> SqliteStore::get_thread_anchor(std::string_view team_id,
                                                                   std::string_view destination,
                                                                   std::string_view thread_key) {
  return with_reader([&](Connection& db) -> Result<std::optional<ThreadAnchor>> {
    auto query = db.prepare(
        "SELECT channel, ts FROM thread_anchors "
        "WHERE team_id = ?1 AND destination = ?2 AND thread_key = ?3");
    if (!query) return query.error();
    auto row = query->bind(1, team_id).bind(2, destination).bind(3, thread_key).step();
    if (!row) return row.error();
    if (!*row) return std::optional<ThreadAnchor>();
    return std::optional<ThreadAnchor>(ThreadAnchor{std::string(team_id), std::string(destination),
                                                    std::string(thread_key), query->text(0),
                                                    query->text(1)});
  });
}

Status SqliteStore::put_thread_anchor(const ThreadAnchor& anchor) {
  return writer_.write([&](Connection& db) -> Status {
    static const std::string kUpsert =
        "INSERT OR REPLACE INTO thread_anchors (team_id, destination, thread_key, channel, ts) "
        "SELECT ?1, ?2, ?3, ?4, ?5" +
        std::string(kWhileTeamActive);
    auto upsert = db.prepare(kUpsert);
    if (!upsert) return upsert.error();
    Status s = upsert->bind(1, anchor.team_id)
                   .bind(2, anchor.destination)
                   .bind(3, anchor.thread_key)
                   .bind(4, anchor.channel)
                   .bind(5, anchor.ts)
                   .run();
    if (!s.ok()) return s;
    return db.changes() > 0 ? Status::success() : Status(team_not_installed(anchor.team_id));
  });
}

// Leases are decided inside the writer's IMMEDIATE transaction, which holds SQLite's write lock:
// two stores on one file (even in different processes) cannot both see the lease as free.

Result<bool> SqliteStore::acquire_lease(std::string_view name, std::string_view owner,
                                        UnixSeconds now, std::int64_t ttl_seconds) {
  bool acquired = false;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto take = db.prepare(sql::kAcquireLease);
    if (!take) return take.error();
    Status s = take->bind(1, name).bind(2, owner).bind(3, now + ttl_seconds).bind(4, now).run();
    if (!s.ok()) return s;
    acquired = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return acquired;
}

Result<bool> SqliteStore::renew_lease(std::string_view name, std::string_view owner,
                                      UnixSeconds now, std::int64_t ttl_seconds) {
  bool renewed = false;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto extend = db.prepare(
        "UPDATE leases SET expires_at = ?3 WHERE name = ?1 AND owner = ?2 AND expires_at > ?4");
    if (!extend) return extend.error();
    Status s = extend->bind(1, name).bind(2, owner).bind(3, now + ttl_seconds).bind(4, now).run();
    if (!s.ok()) return s;
    renewed = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return renewed;
}

Status SqliteStore::release_lease(std::string_view name, std::string_view owner) {
  return writer_.write([&](Connection& db) -> Status {
    auto drop = db.prepare("DELETE FROM leases WHERE name = ?1 AND owner = ?2");
    if (!drop) return drop.error();
    return drop->bind(1, name).bind(2, owner).run();
  });
}

// ---- source activity ----

Status SqliteStore::record_source_event(std::string_view source_id, std::string_view event_id,
                                        UnixSeconds at) {
  return writer_.write([&](Connection& db) -> Status {
    auto upsert = db.prepare(sql::kRecordSourceEvent);
    if (!upsert) return upsert.error();
    return upsert->bind(1, source_id).bind(2, event_id).bind(3, at).run();
  });
}

Status SqliteStore::record_source_failure(std::string_view source_id, std::string_view failure,
                                          UnixSeconds at) {
  return writer_.write([&](Connection& db) -> Status {
    auto upsert = db.prepare(sql::kRecordSourceFailure);
    if (!upsert) return upsert.error();
    return upsert->bind(1, source_id).bind(2, failure).bind(3, at).run();
  });
}

Result<std::vector<SourceActivity>> SqliteStore::source_activity() {
  return with_reader([&](Connection& db) -> Result<std::vector<SourceActivity>> {
    auto query = db.prepare(sql::kSourceActivity);
    if (!query) return query.error();
    std::vector<SourceActivity> out;
    while (true) {
      auto row = query->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back({query->text(0), query->text(1), query->optional_integer(2), query->text(3),
                     query->optional_integer(4)});
    }
    return out;
  });
}

namespace {

std::string oauth_state_name(std::string_view nonce) {
  return "oauth_state:" + std::string(nonce);
}

}  // namespace

Result<bool> SqliteStore::put_oauth_state(std::string_view nonce, UnixSeconds expires_at,
                                          UnixSeconds now, std::int64_t max_live) {
  bool recorded = false;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto prune = db.prepare(sql::kPruneOAuthStates);
    if (!prune) return prune.error();
    if (Status s = prune->bind(1, now).run(); !s.ok()) return s;
    auto count = db.prepare(sql::kCountOAuthStates);
    if (!count) return count.error();
    if (auto row = count->step(); !row) return row.error();
    if (count->integer(0) >= max_live) return Status::success();
    auto put = db.prepare(sql::kPutOAuthState);
    if (!put) return put.error();
    if (Status s = put->bind(1, oauth_state_name(nonce)).bind(2, expires_at).run(); !s.ok()) {
      return s;
    }
    recorded = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return recorded;
}

Result<bool> SqliteStore::take_oauth_state(std::string_view nonce, UnixSeconds now) {
  bool taken = false;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto take = db.prepare(sql::kTakeOAuthState);
    if (!take) return take.error();
    Status s = take->bind(1, oauth_state_name(nonce)).bind(2, now).run();
    if (!s.ok()) return s;
    taken = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return taken;
}

Result<std::int64_t> SqliteStore::count_oauth_states() {
  return with_reader([&](Connection& db) -> Result<std::int64_t> {
    auto count = db.prepare(sql::kCountOAuthStates);
    if (!count) return count.error();
    if (auto row = count->step(); !row) return row.error();
    return count->integer(0);
  });
}

}  // namespace bridgebot::store::sqlite
