// The events inbox: Slack events recorded before they are acknowledged (see store.h).
#include <algorithm>

#include "postgres_store_impl.h"
#include "shared_sql.h"

namespace bridgebot::store::postgres {

Result<bool> PostgresStore::record_event(const InboxEvent& event) {
  if (event.event_id.empty()) return make_error("invalid_argument", "an event needs its event_id");
  auto inserted = change(sql::kRecordEvent, Params()
                                                .text(event.event_id)
                                                .text(event.team_id)
                                                .text(event.event_type)
                                                .text(event.payload_json)
                                                .integer(event.received_at));
  if (!inserted) return inserted.error();
  return *inserted > 0;
}

Result<std::vector<InboxEvent>> PostgresStore::claim_events(UnixSeconds now, int limit) {
  std::vector<InboxEvent> claimed;
  Status written = write([&](Connection& db) -> Status {
    auto rows = db.exec(sql::kClaimEvents, Params().integer(now).integer(std::int64_t{limit}));
    if (!rows) return rows.error();
    for (int r = 0; r < rows->size(); ++r) {
      claimed.push_back(InboxEvent{rows->integer(r, 0), rows->text(r, 1), rows->text(r, 2),
                                   rows->text(r, 3), rows->text(r, 4),
                                   static_cast<int>(rows->integer(r, 5)), rows->integer(r, 6),
                                   rows->text(r, 7), rows->integer(r, 8)});
    }
    return Status::success();
  });
  if (!written.ok()) return written.error();
  std::sort(claimed.begin(), claimed.end(),
            [](const InboxEvent& a, const InboxEvent& b) { return a.inbox_id < b.inbox_id; });
  return claimed;
}

namespace {

Status in_flight_changed(Result<std::int64_t> changed, InboxId id) {
  if (!changed) return changed.error();
  if (*changed > 0) return Status::success();
  return make_error("conflict", "inbox event " + std::to_string(id) + " is not in_flight");
}

}  // namespace

Status PostgresStore::finish_event(InboxId id, std::string_view reason) {
  return in_flight_changed(change(sql::kFinishEvent, Params().text(reason).integer(id)), id);
}

Status PostgresStore::retry_event(InboxId id, UnixSeconds next_attempt_at,
                                  std::string_view reason) {
  return in_flight_changed(
      change(sql::kRetryEvent, Params().integer(next_attempt_at).text(reason).integer(id)), id);
}

Result<std::int64_t> PostgresStore::recover_events() {
  return change(sql::kRecoverEvents, Params());
}

Result<std::int64_t> PostgresStore::prune_events(UnixSeconds cutoff, int limit) {
  return change(sql::kPruneEvents, Params().integer(cutoff).integer(std::int64_t{limit}));
}

}  // namespace bridgebot::store::postgres
