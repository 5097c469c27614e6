// The events inbox: Slack events recorded before they are acknowledged (see store.h).
#include <algorithm>

#include "sql_store.h"

namespace bridgebot::store::sql {
namespace {

// The one in_flight event `id` changed, or "conflict".
Status in_flight_changed(Result<std::int64_t> changed, InboxId id) {
  if (!changed) return changed.error();
  if (*changed > 0) return Status::success();
  return make_error("conflict", "inbox event " + std::to_string(id) + " is not in_flight");
}

}  // namespace

Result<bool> SqlStore::record_event(const InboxEvent& event) {
  if (event.event_id.empty()) return make_error("invalid_argument", "an event needs its event_id");
  auto inserted = change(
      "INSERT INTO inbox (event_id, team_id, event_type, payload, status, attempts, "
      "next_attempt_at, reason, received_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, '', $5) "
      "ON CONFLICT (event_id) DO NOTHING",
      Params()
          .text(event.event_id)
          .text(event.team_id)
          .text(event.event_type)
          .text(event.payload_json)
          .integer(event.received_at));
  if (!inserted) return inserted.error();
  return *inserted > 0;
}

Result<std::vector<InboxEvent>> SqlStore::claim_events(UnixSeconds now, int limit) {
  std::vector<InboxEvent> claimed;
  // Unsynced: a claim lost to a power cut leaves its events pending, handled again.
  Status written = db_->write_unsynced([&](Session& s) -> Status {
    claimed.clear();
    auto rows = s.exec(
        "UPDATE inbox SET status = 'in_flight', attempts = attempts + 1 WHERE inbox_id IN ("
        "  SELECT inbox_id FROM inbox WHERE status = 'pending' AND next_attempt_at <= $1 "
        "  ORDER BY inbox_id LIMIT $2) "
        "RETURNING inbox_id, event_id, team_id, event_type, payload, attempts, next_attempt_at, "
        "reason, received_at",
        Params().integer(now).integer(std::int64_t{limit}), [&](const Row& row) {
          claimed.push_back(InboxEvent{row.integer(0), row.text(1), row.text(2), row.text(3),
                                       row.text(4), static_cast<int>(row.integer(5)),
                                       row.integer(6), row.text(7), row.integer(8)});
        });
    return rows ? Status::success() : Status(rows.error());
  });
  if (!written.ok()) return written.error();
  // RETURNING keeps no order.
  std::sort(claimed.begin(), claimed.end(),
            [](const InboxEvent& a, const InboxEvent& b) { return a.inbox_id < b.inbox_id; });
  return claimed;
}

Status SqlStore::finish_event(InboxId id, std::string_view reason) {
  return in_flight_changed(change("UPDATE inbox SET status = 'done', payload = '', reason = $1 "
                                  "WHERE inbox_id = $2 AND status = 'in_flight'",
                                  Params().text(reason).integer(id)),
                           id);
}

Status SqlStore::retry_event(InboxId id, UnixSeconds next_attempt_at, std::string_view reason) {
  return in_flight_changed(
      change("UPDATE inbox SET status = 'pending', next_attempt_at = $1, reason = $2 "
             "WHERE inbox_id = $3 AND status = 'in_flight'",
             Params().integer(next_attempt_at).text(reason).integer(id)),
      id);
}

Result<std::int64_t> SqlStore::recover_events() {
  return change("UPDATE inbox SET status = 'pending' WHERE status = 'in_flight'", Params());
}

Result<std::int64_t> SqlStore::prune_events(UnixSeconds cutoff, int limit) {
  return change(
      "DELETE FROM inbox WHERE inbox_id IN (SELECT inbox_id FROM inbox "
      "  WHERE status = 'done' AND received_at < $1 ORDER BY inbox_id LIMIT $2)",
      Params().integer(cutoff).integer(std::int64_t{limit}));
}

}  // namespace bridgebot::store::sql
