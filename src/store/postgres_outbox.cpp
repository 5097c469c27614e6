// Accepted messages/notifications: idempotency records (sources), their outbox items and
// deliveries.
#include <string>

#include "postgres_store_impl.h"
#include "shared_sql.h"

namespace bridgebot::store::postgres {
namespace {

constexpr std::string_view kItemColumns =
    "item_id, kind, source_id, team_id, role, destination, payload, status, reason, attempts, "
    "next_attempt_at, ordering_key, created_at";

// Claims are decided one at a time across every replica (transaction-scoped advisory lock):
// the "head of its ordering key" rule reads rows other claimers are changing.
constexpr const char* kClaimLock = "SELECT pg_advisory_xact_lock(7340022)";

ItemStatus item_status(const Rows& rows, int row, int column) {
  return parse_item_status(rows.text(row, column)).value_or(ItemStatus::failed);
}

OutboxItem item_from_row(const Rows& rows, int r) {
  OutboxItem item;
  item.item_id = rows.integer(r, 0);
  item.kind = parse_source_kind(rows.text(r, 1)).value_or(SourceKind::message);
  item.source_id = rows.text(r, 2);
  item.team_id = rows.text(r, 3);
  item.role = rows.text(r, 4);
  item.destination = rows.text(r, 5);
  item.payload_json = rows.text(r, 6);
  item.status = item_status(rows, r, 7);
  item.reason = rows.text(r, 8);
  item.attempts = static_cast<int>(rows.integer(r, 9));
  item.next_attempt_at = rows.integer(r, 10);
  item.ordering_key = rows.text(r, 11);
  item.created_at = rows.integer(r, 12);
  return item;
}

Result<std::optional<SourceStatus>> load_source_status(Connection& db, SourceKind kind,
                                                       std::string_view source_id) {
  const Params key = Params().text(to_string(kind)).text(source_id);
  auto source = db.exec(
      "SELECT team_id, status, reason FROM sources WHERE kind = $1 AND source_id = $2", key);
  if (!source) return source.error();
  if (source->size() == 0) return std::optional<SourceStatus>();
  SourceStatus status{kind,
                      std::string(source_id),
                      source->text(0, 0),
                      item_status(*source, 0, 1),
                      source->text(0, 2),
                      {}};

  auto items = db.exec(
      "SELECT status, reason FROM outbox WHERE kind = $1 AND source_id = $2 ORDER BY item_id", key);
  if (!items) return items.error();
  std::vector<std::pair<ItemStatus, std::string>> outcomes;
  for (int r = 0; r < items->size(); ++r) {
    outcomes.emplace_back(item_status(*items, r, 0), items->text(r, 1));
  }
  summarise_items(status, outcomes);

  auto deliveries = db.exec(
      "SELECT d.role, d.slack_user, d.channel, d.ts FROM deliveries AS d "
      "JOIN outbox AS o ON o.item_id = d.item_id "
      "WHERE o.kind = $1 AND o.source_id = $2 ORDER BY d.item_id, d.delivery_id",
      key);
  if (!deliveries) return deliveries.error();
  for (int r = 0; r < deliveries->size(); ++r) {
    status.deliveries.push_back({deliveries->text(r, 0), deliveries->text(r, 1),
                                 deliveries->text(r, 2), deliveries->text(r, 3)});
  }
  return std::optional<SourceStatus>(std::move(status));
}

// Where an item that is not in_flight stands, for a clear complete/reschedule error.
Error not_in_flight(Connection& db, ItemId item_id) {
  const std::string id = std::to_string(item_id);
  auto rows = db.exec("SELECT status FROM outbox WHERE item_id = $1", Params().integer(item_id));
  if (!rows) return rows.error();
  if (rows->size() == 0) return make_error("not_found", "outbox item " + id + " does not exist");
  return make_error("conflict",
                    "outbox item " + id + " is " + rows->text(0, 0) + ", not in_flight");
}

}  // namespace

Result<AcceptResult> PostgresStore::accept(const AcceptRequest& request) {
  if (Status valid = validate_accept(request); !valid.ok()) return valid.error();
  AcceptResult result;
  Status written = write([&](Connection& db) -> Status {
    result = AcceptResult{};  // a retried transaction starts over
    if (Status active = lock_active_team(db, request.team_id); !active.ok()) return active;
    auto source = db.exec(
        "INSERT INTO sources (kind, source_id, team_id, status, reason, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, source_id) DO NOTHING",
        Params()
            .text(to_string(request.kind))
            .text(request.source_id)
            .text(request.team_id)
            .text(to_string(request.status))
            .text(request.reason)
            .integer(request.now));
    if (!source) return source.error();
    if (source->affected() == 0) {
      auto existing = load_source_status(db, request.kind, request.source_id);
      if (!existing) return existing.error();
      result.duplicate = true;
      result.status = std::move(**existing);
      return Status::success();
    }
    for (const NewOutboxItem& item : request.items) {
      auto added = db.exec(
          "INSERT INTO outbox (kind, source_id, team_id, role, destination, payload, status, "
          "reason, attempts, next_attempt_at, ordering_key, claimed_by, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, 'queued', '', 0, $7, $8, '', $9) RETURNING item_id",
          Params()
              .text(to_string(request.kind))
              .text(request.source_id)
              .text(request.team_id)
              .text(item.role)
              .text(item.destination)
              .text(item.payload_json)
              .integer(item.next_attempt_at)
              .text(item.ordering_key)
              .integer(request.now));
      if (!added) return added.error();
      result.item_ids.push_back(added->integer(0, 0));
    }
    result.status = {request.kind,   request.source_id, request.team_id,
                     request.status, request.reason,    {}};
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return result;
}

Result<std::vector<OutboxItem>> PostgresStore::claim_due(UnixSeconds now, int limit,
                                                         std::string_view lease_owner) {
  std::vector<OutboxItem> claimed;
  if (limit <= 0) return claimed;
  Status written = write([&](Connection& db) -> Status {
    claimed.clear();
    if (auto locked = db.exec(kClaimLock); !locked) return locked.error();
    // The head of each ordering key only: an item waits while an earlier one with its key is
    // queued (even if not yet due) or in_flight.
    static const std::string kDueHeads =
        "SELECT " + std::string(kItemColumns) +
        " FROM outbox AS o WHERE o.status = 'queued' AND o.next_attempt_at <= $1 "
        "AND (o.ordering_key = '' OR NOT EXISTS (SELECT 1 FROM outbox AS p "
        "WHERE p.ordering_key = o.ordering_key AND p.item_id < o.item_id "
        "AND p.status IN ('queued', 'in_flight'))) "
        "ORDER BY o.next_attempt_at, o.item_id LIMIT $2";
    auto due = db.exec(kDueHeads, Params().integer(now).integer(std::int64_t{limit}));
    if (!due) return due.error();
    std::string ids = "{";
    for (int r = 0; r < due->size(); ++r) {
      claimed.push_back(item_from_row(*due, r));
      ids += (r ? "," : "") + std::to_string(claimed.back().item_id);
    }
    if (claimed.empty()) return Status::success();
    auto marked = db.exec(
        "UPDATE outbox SET status = 'in_flight', claimed_by = $2 WHERE item_id = ANY($1::bigint[])",
        Params().text(ids + "}").text(lease_owner));
    if (!marked) return marked.error();
    for (OutboxItem& item : claimed) item.status = ItemStatus::in_flight;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return claimed;
}

Status PostgresStore::complete(ItemId item_id, ItemStatus outcome, std::string_view reason,
                               const std::vector<Delivery>& deliveries) {
  if (!is_final(outcome)) {
    return make_error("invalid_argument",
                      "complete needs a final status, not " + std::string(to_string(outcome)));
  }
  return write([&](Connection& db) -> Status {
    auto finished = db.exec(
        "UPDATE outbox SET status = $2, reason = $3, claimed_by = '' "
        "WHERE item_id = $1 AND status = 'in_flight'",
        Params().integer(item_id).text(to_string(outcome)).text(reason));
    if (!finished) return finished.error();
    if (finished->affected() == 0) return not_in_flight(db, item_id);
    for (const Delivery& delivery : deliveries) {
      auto recorded = db.exec(
          "INSERT INTO deliveries (item_id, role, slack_user, channel, ts) "
          "VALUES ($1, $2, $3, $4, $5)",
          Params()
              .integer(item_id)
              .text(delivery.role)
              .text(delivery.slack_user)
              .text(delivery.channel)
              .text(delivery.ts));
      if (!recorded) return recorded.error();
    }
    return Status::success();
  });
}

Status PostgresStore::reschedule(ItemId item_id, UnixSeconds next_attempt_at,
                                 std::string_view reason, int attempts) {
  return write([&](Connection& db) -> Status {
    auto requeued = db.exec(
        "UPDATE outbox SET status = 'queued', next_attempt_at = $2, reason = $3, attempts = $4, "
        "claimed_by = '' WHERE item_id = $1 AND status = 'in_flight'",
        Params()
            .integer(item_id)
            .integer(next_attempt_at)
            .text(reason)
            .integer(std::int64_t{attempts}));
    if (!requeued) return requeued.error();
    if (requeued->affected() == 0) return not_in_flight(db, item_id);
    return Status::success();
  });
}

Result<std::int64_t> PostgresStore::recover_in_flight() {
  return change("UPDATE outbox SET status = 'queued', claimed_by = '' WHERE status = 'in_flight'",
                Params());
}

Result<std::optional<SourceStatus>> PostgresStore::source_status(SourceKind kind,
                                                                 std::string_view source_id) {
  std::optional<SourceStatus> status;
  Status done = read([&](Connection& db) -> Status {
    auto loaded = load_source_status(db, kind, source_id);
    if (!loaded) return loaded.error();
    status = std::move(*loaded);
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return status;
}

Result<std::optional<BridgedDm>> PostgresStore::find_bridged_dm(std::string_view team_id,
                                                                std::string_view channel,
                                                                std::string_view thread_ts,
                                                                std::string_view ts) {
  std::optional<BridgedDm> found;
  Status done = read([&](Connection& db) -> Status {
    auto rows =
        db.exec(thread_ts.empty() ? sql::kBridgedDmBefore : sql::kBridgedDmAt,
                Params().text(team_id).text(channel).text(thread_ts.empty() ? ts : thread_ts));
    if (!rows) return rows.error();
    if (rows->size() > 0) {
      found = BridgedDm{rows->text(0, 0), rows->text(0, 1), rows->text(0, 2), rows->text(0, 3),
                        rows->text(0, 4)};
    }
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return found;
}

}  // namespace bridgebot::store::postgres
