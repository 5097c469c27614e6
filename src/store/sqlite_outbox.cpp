// Accepted messages/notifications: idempotency records (table sources), their outbox items and
// deliveries.
#include <string>

#include "shared_sql.h"
#include "sqlite_store_impl.h"
#include "store_rules.h"

namespace bridgebot::store::sqlite {
namespace {

ItemStatus stored_status(const Statement& row, int column) {
  return parse_item_status(row.text(column)).value_or(ItemStatus::failed);
}

Result<std::optional<SourceStatus>> load_source_status(Connection& db, SourceKind kind,
                                                       std::string_view source_id) {
  auto source =
      db.prepare("SELECT team_id, status, reason FROM sources WHERE kind = ?1 AND source_id = ?2");
  if (!source) return source.error();
  source->bind(1, to_string(kind)).bind(2, source_id);
  auto found = source->step();
  if (!found) return found.error();
  if (!*found) return std::optional<SourceStatus>();
  SourceStatus status{
      kind, std::string(source_id), source->text(0), stored_status(*source, 1), source->text(2),
      {}};

  auto items = db.prepare(
      "SELECT status, reason FROM outbox WHERE kind = ?1 AND source_id = ?2 ORDER BY item_id");
  if (!items) return items.error();
  items->bind(1, to_string(kind)).bind(2, source_id);
  std::vector<std::pair<ItemStatus, std::string>> outcomes;
  for (;;) {
    auto row = items->step();
    if (!row) return row.error();
    if (!*row) break;
    outcomes.emplace_back(stored_status(*items, 0), items->text(1));
  }
  summarise_items(status, outcomes);

  auto deliveries = db.prepare(
      "SELECT d.role, d.slack_user, d.channel, d.ts FROM deliveries AS d "
      "JOIN outbox AS o ON o.item_id = d.item_id "
      "WHERE o.kind = ?1 AND o.source_id = ?2 ORDER BY d.item_id, d.rowid");
  if (!deliveries) return deliveries.error();
  deliveries->bind(1, to_string(kind)).bind(2, source_id);
  for (;;) {
    auto row = deliveries->step();
    if (!row) return row.error();
    if (!*row) break;
    status.deliveries.push_back(
        {deliveries->text(0), deliveries->text(1), deliveries->text(2), deliveries->text(3)});
  }
  return std::optional<SourceStatus>(std::move(status));
}

// Where an item that is not in_flight stands, for a clear complete/reschedule error.
Error not_in_flight(Connection& db, ItemId item_id) {
  std::string id = std::to_string(item_id);
  auto query = db.prepare("SELECT status FROM outbox WHERE item_id = ?1");
  if (!query) return query.error();
  auto row = query->bind(1, item_id).step();
  if (!row) return row.error();
  if (!*row) return make_error("not_found", "outbox item " + id + " does not exist");
  return make_error("conflict", "outbox item " + id + " is " + query->text(0) + ", not in_flight");
}

constexpr std::string_view kItemColumns =
    "item_id, kind, source_id, team_id, role, destination, payload, status, reason, attempts, "
    "next_attempt_at, ordering_key, created_at";

OutboxItem item_from_row(const Statement& row) {
  OutboxItem item;
  item.item_id = row.integer(0);
  item.kind = parse_source_kind(row.text(1)).value_or(SourceKind::message);
  item.source_id = row.text(2);
  item.team_id = row.text(3);
  item.role = row.text(4);
  item.destination = row.text(5);
  item.payload_json = row.text(6);
  item.status = stored_status(row, 7);
  item.reason = row.text(8);
  item.attempts = static_cast<int>(row.integer(9));
  item.next_attempt_at = row.integer(10);
  item.ordering_key = row.text(11);
  item.created_at = row.integer(12);
  return item;
}

}  // namespace

Result<AcceptResult> SqliteStore::accept(const AcceptRequest& request) {
  if (Status valid = validate_accept(request); !valid.ok()) return valid.error();
  AcceptResult result;
  Status written = writer_.write([&](Connection& db) -> Status {
    // In the same transaction as the insert: nothing is accepted for a workspace that a
    // Disconnect purged after the caller looked it up.
    static const std::string kInstalled = "SELECT 1" + std::string(kWhileTeamActive);
    auto installed = db.prepare(kInstalled);
    if (!installed) return installed.error();
    auto found = installed->bind(1, request.team_id).step();
    if (!found) return found.error();
    if (!*found) return team_not_installed(request.team_id);

    auto source = db.prepare(
        "INSERT INTO sources (kind, source_id, team_id, status, reason, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, source_id) DO NOTHING");
    if (!source) return source.error();
    Status inserted = source->bind(1, to_string(request.kind))
                          .bind(2, request.source_id)
                          .bind(3, request.team_id)
                          .bind(4, to_string(request.status))
                          .bind(5, request.reason)
                          .bind(6, request.now)
                          .run();
    if (!inserted.ok()) return inserted;
    if (db.changes() == 0) {
      auto existing = load_source_status(db, request.kind, request.source_id);
      if (!existing) return existing.error();
      result.duplicate = true;
      result.status = std::move(**existing);
      return Status::success();
    }
    auto item = db.prepare(
        "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
        "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', '', 0, ?7, ?8, '', ?9)");
    if (!item) return item.error();
    for (const NewOutboxItem& new_item : request.items) {
      Status added = item->bind(1, to_string(request.kind))
                         .bind(2, request.source_id)
                         .bind(3, request.team_id)
                         .bind(4, new_item.role)
                         .bind(5, new_item.destination)
                         .bind(6, new_item.payload_json)
                         .bind(7, new_item.next_attempt_at)
                         .bind(8, new_item.ordering_key)
                         .bind(9, request.now)
                         .run();
      if (!added.ok()) return added;
      result.item_ids.push_back(db.last_insert_rowid());
    }
    result.status = {request.kind,   request.source_id, request.team_id,
                     request.status, request.reason,    {}};
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return result;
}

Result<std::vector<OutboxItem>> SqliteStore::claim_due(UnixSeconds now, int limit,
                                                       std::string_view lease_owner) {
  std::vector<OutboxItem> claimed;
  if (limit <= 0) return claimed;
  Status written = writer_.write([&](Connection& db) -> Status {
    {
      // The head of each ordering key only: an item waits while an earlier one with its key is
      // queued (even if not yet due) or in_flight.
      static const std::string kDueHeads =
          "SELECT " + std::string(kItemColumns) +
          " FROM outbox AS o WHERE o.status = 'queued' AND o.next_attempt_at <= ?1 "
          "AND (o.ordering_key = '' OR NOT EXISTS (SELECT 1 FROM outbox AS p "
          "WHERE p.ordering_key = o.ordering_key AND p.item_id < o.item_id "
          "AND p.status IN ('queued', 'in_flight'))) "
          "ORDER BY o.next_attempt_at, o.item_id LIMIT ?2";
      auto due = db.prepare(kDueHeads);
      if (!due) return due.error();
      due->bind(1, now).bind(2, std::int64_t{limit});
      for (;;) {
        auto row = due->step();
        if (!row) return row.error();
        if (!*row) break;
        claimed.push_back(item_from_row(*due));
      }
    }
    auto mark =
        db.prepare("UPDATE outbox SET status = 'in_flight', claimed_by = ?2 WHERE item_id = ?1");
    if (!mark) return mark.error();
    for (OutboxItem& item : claimed) {
      if (Status s = mark->bind(1, item.item_id).bind(2, lease_owner).run(); !s.ok()) return s;
      item.status = ItemStatus::in_flight;
    }
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return claimed;
}

Status SqliteStore::complete(ItemId item_id, ItemStatus outcome, std::string_view reason,
                             const std::vector<Delivery>& deliveries) {
  if (!is_final(outcome)) {
    return make_error("invalid_argument",
                      "complete needs a final status, not " + std::string(to_string(outcome)));
  }
  return writer_.write([&](Connection& db) -> Status {
    auto finish = db.prepare(
        "UPDATE outbox SET status = ?2, reason = ?3, claimed_by = '' "
        "WHERE item_id = ?1 AND status = 'in_flight'");
    if (!finish) return finish.error();
    Status s = finish->bind(1, item_id).bind(2, to_string(outcome)).bind(3, reason).run();
    if (!s.ok()) return s;
    if (db.changes() == 0) return not_in_flight(db, item_id);
    auto record = db.prepare(
        "INSERT INTO deliveries (item_id, role, slack_user, channel, ts) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!record) return record.error();
    for (const Delivery& delivery : deliveries) {
      s = record->bind(1, item_id)
              .bind(2, delivery.role)
              .bind(3, delivery.slack_user)
              .bind(4, delivery.channel)
              .bind(5, delivery.ts)
              .run();
      if (!s.ok()) return s;
    }
    return Status::success();
  });
}

Status SqliteStore::reschedule(ItemId item_id, UnixSeconds next_attempt_at, std::string_view reason,
                               int attempts) {
  return writer_.write([&](Connection& db) -> Status {
    auto requeue = db.prepare(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, reason = ?3, attempts = ?4, "
        "claimed_by = '' WHERE item_id = ?1 AND status = 'in_flight'");
    if (!requeue) return requeue.error();
    Status s = requeue->bind(1, item_id)
                   .bind(2, next_attempt_at)
                   .bind(3, reason)
                   .bind(4, std::int64_t{attempts})
                   .run();
    if (!s.ok()) return s;
    if (db.changes() == 0) return not_in_flight(db, item_id);
    return Status::success();
  });
}

Result<std::int64_t> SqliteStore::recover_in_flight() {
  std::int64_t recovered = 0;
  Status written = writer_.write([&](Connection& db) -> Status {
    auto requeue = db.prepare(
        "UPDATE outbox SET status = 'queued', claimed_by = '' WHERE status = 'in_flight'");
    if (!requeue) return requeue.error();
    if (Status s = requeue->run(); !s.ok()) return s;
    recovered = db.changes();
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return recovered;
}

Result<std::optional<SourceStatus>> SqliteStore::source_status(SourceKind kind,
                                                               std::string_view source_id) {
  return with_reader([&](Connection& db) { return load_source_status(db, kind, source_id); });
}

Result<std::optional<BridgedDm>> SqliteStore::find_bridged_dm(std::string_view team_id,
                                                              std::string_view channel,
                                                              std::string_view thread_ts,
                                                              std::string_view ts) {
  return with_reader([&](Connection& db) -> Result<std::optional<BridgedDm>> {
    auto query = db.prepare(thread_ts.empty() ? sql::kBridgedDmBefore : sql::kBridgedDmAt);
    if (!query) return query.error();
    auto row =
        query->bind(1, team_id).bind(2, channel).bind(3, thread_ts.empty() ? ts : thread_ts).step();
    if (!row) return row.error();
    if (!*row) return std::optional<BridgedDm>();
    return std::optional<BridgedDm>(
        BridgedDm{query->text(0), query->text(1), query->text(2), query->text(3), query->text(4)});
  });
}

}  // namespace bridgebot::store::sqlite
