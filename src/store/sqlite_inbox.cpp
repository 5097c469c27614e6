// The events inbox: Slack events recorded before they are acknowledged (see store.h).
#include <algorithm>

#include "shared_sql.h"
#include "sqlite_store_impl.h"

namespace bridgebot::store::sqlite {

Result<bool> SqliteStore::record_event(const InboxEvent& event) {
  if (event.event_id.empty()) return make_error("invalid_argument", "an event needs its event_id");
  bool recorded = false;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto insert = db.prepare(sql::kRecordEvent);
    if (!insert) return insert.error();
    Status s = insert->bind(1, event.event_id)
                   .bind(2, event.team_id)
                   .bind(3, event.event_type)
                   .bind(4, event.payload_json)
                   .bind(5, event.received_at)
                   .run();
    if (!s.ok()) return s;
    recorded = db.changes() > 0;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return recorded;
}

Result<std::vector<InboxEvent>> SqliteStore::claim_events(UnixSeconds now, int limit) {
  std::vector<InboxEvent> claimed;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto claim = db.prepare(sql::kClaimEvents);
    if (!claim) return claim.error();
    claim->bind(1, now).bind(2, std::int64_t{limit});
    for (;;) {
      auto row = claim->step();
      if (!row) return row.error();
      if (!*row) break;
      claimed.push_back(InboxEvent{claim->integer(0), claim->text(1), claim->text(2),
                                   claim->text(3), claim->text(4),
                                   static_cast<int>(claim->integer(5)), claim->integer(6),
                                   claim->text(7), claim->integer(8)});
    }
    return Status::success();
  });
  if (!written.ok()) return written.error();
  std::sort(claimed.begin(), claimed.end(),
            [](const InboxEvent& a, const InboxEvent& b) { return a.inbox_id < b.inbox_id; });
  return claimed;
}

namespace {

// Runs `sql` (bound by `bind`), which must change the one in_flight event `id`.
Status change_in_flight(GroupCommitWriter& writer, InboxId id, std::string_view sql,
                        const std::function<void(Statement&)>& bind) {
  return writer.write([&](Connection& db) -> Status {
    auto update = db.prepare(sql);
    if (!update) return update.error();
    bind(*update);
    if (Status s = update->run(); !s.ok()) return s;
    if (db.changes() > 0) return Status::success();
    return make_error("conflict", "inbox event " + std::to_string(id) + " is not in_flight");
  });
}

}  // namespace

Status SqliteStore::finish_event(InboxId id, std::string_view reason) {
  return change_in_flight(writer_, id, sql::kFinishEvent,
                          [&](Statement& s) { s.bind(1, reason).bind(2, id); });
}

Status SqliteStore::retry_event(InboxId id, UnixSeconds next_attempt_at, std::string_view reason) {
  return change_in_flight(writer_, id, sql::kRetryEvent, [&](Statement& s) {
    s.bind(1, next_attempt_at).bind(2, reason).bind(3, id);
  });
}

Result<std::int64_t> SqliteStore::recover_events() {
  std::int64_t recovered = 0;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto update = db.prepare(sql::kRecoverEvents);
    if (!update) return update.error();
    if (Status s = update->run(); !s.ok()) return s;
    recovered = db.changes();
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return recovered;
}

Result<std::int64_t> SqliteStore::prune_events(UnixSeconds cutoff, int limit) {
  std::int64_t pruned = 0;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto remove = db.prepare(sql::kPruneEvents);
    if (!remove) return remove.error();
    if (Status s = remove->bind(1, cutoff).bind(2, std::int64_t{limit}).run(); !s.ok()) return s;
    pruned = db.changes();
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return pruned;
}

}  // namespace bridgebot::store::sqlite
