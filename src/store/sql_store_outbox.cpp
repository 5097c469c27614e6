// Accepted messages/notifications: idempotency records (table sources), their outbox items and
// deliveries.
#include <algorithm>
#include <future>
#include <set>
#include <string>

#include "sql_store.h"
#include "store_rules.h"

namespace bridgebot::store::sql {
namespace {

// The delivery partition of the outbox row whose team id is the column `team_id`: the column
// delivery_partition, or for a row written before it existed (NULL) delivery_partition_of
// (types.h) in SQL. Never change the rule: the processes on one database must agree.
std::string partition_of(const Dialect& dialect, std::string_view team_id,
                         std::string_view stored) {
  static_assert(kDeliveryPartitions == 16);
  const std::string column(team_id);
  const int weights[] = {1, 7, 11, 13};
  std::string sum;
  for (int k = 0; k < 4; ++k) {
    sum += (k ? " + " : "") + std::to_string(weights[k]) + " * coalesce(" +
           std::string(dialect.char_code) + "(substr(" + column + ", length(" + column + ") - " +
           std::to_string(k) + ", 1)), 0)";
  }
  return "coalesce(" + std::string(stored) + ", ((" + sum + ") % 16))";
}

// Whether the row's partition is in the PartitionMask parameter `mask` (e.g. "$4"); `row` is the
// table's alias with its dot, or empty.
std::string in_partitions(const Dialect& dialect, const std::string& row, std::string_view mask) {
  return "((CAST(" + std::string(mask) + " AS BIGINT) >> " +
         partition_of(dialect, row + "team_id", row + "delivery_partition") + ") & 1) = 1";
}

std::string item_columns(const Dialect& dialect) {
  return "item_id, kind, source_id, team_id, role, destination, payload, status, reason, "
         "attempts, next_attempt_at, ordering_key, created_at, " +
         partition_of(dialect, "team_id", "delivery_partition");
}

// $1 team, $2 DM channel, $3 the thread's ts (kBridgedDmAt) or the reply's ts (kBridgedDmBefore:
// the latest relayed DM before it). Slack ts values of one era have one width, so text order is
// time order.
constexpr std::string_view kBridgedDmAt =
    "SELECT o.source_id, o.destination, o.payload, d.slack_user, d.ts "
    "FROM deliveries AS d JOIN outbox AS o ON o.item_id = d.item_id "
    "WHERE o.team_id = $1 AND d.channel = $2 AND d.ts = $3 AND d.role = 'recipient' "
    "AND o.kind = 'message' LIMIT 1";
constexpr std::string_view kBridgedDmBefore =
    "SELECT o.source_id, o.destination, o.payload, d.slack_user, d.ts "
    "FROM deliveries AS d JOIN outbox AS o ON o.item_id = d.item_id "
    "WHERE o.team_id = $1 AND d.channel = $2 AND d.ts < $3 AND d.role = 'recipient' "
    "AND o.kind = 'message' ORDER BY d.ts DESC LIMIT 1";

ItemStatus stored_status(const Row& row, int column) {
  return parse_item_status(row.text(column)).value_or(ItemStatus::failed);
}

OutboxItem item_from_row(const Row& row) {
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
  item.partition = static_cast<int>(row.integer(13));
  return item;
}

// `deliveries_sql` lists a source's deliveries ($1 kind, $2 source id) in insertion order.
Result<std::optional<SourceStatus>> load_source_status(Session& s, std::string_view deliveries_sql,
                                                       SourceKind kind,
                                                       std::string_view source_id) {
  const Params key = Params().text(to_string(kind)).text(source_id);
  std::optional<SourceStatus> status;
  auto source = s.exec(
      "SELECT team_id, status, reason FROM sources WHERE kind = $1 AND "
      "source_id = $2",
      key, [&](const Row& row) {
        status = SourceStatus{
            kind, std::string(source_id), row.text(0), stored_status(row, 1), row.text(2), {}};
      });
  if (!source) return source.error();
  if (!status) return status;

  std::vector<std::pair<ItemStatus, std::string>> outcomes;
  auto items = s.exec(
      "SELECT status, reason FROM outbox WHERE kind = $1 AND source_id = $2 ORDER BY item_id", key,
      [&](const Row& row) { outcomes.emplace_back(stored_status(row, 0), row.text(1)); });
  if (!items) return items.error();
  summarise_items(*status, outcomes);

  auto deliveries = s.exec(deliveries_sql, key, [&](const Row& row) {
    status->deliveries.push_back({row.text(0), row.text(1), row.text(2), row.text(3)});
  });
  if (!deliveries) return deliveries.error();
  return status;
}

// Where an item that is not in_flight stands, for a clear complete/reschedule error.
Error not_in_flight(Session& s, ItemId item_id) {
  const std::string id = std::to_string(item_id);
  std::optional<std::string> status;
  auto rows = s.exec("SELECT status FROM outbox WHERE item_id = $1", Params().integer(item_id),
                     [&](const Row& row) { status = row.text(0); });
  if (!rows) return rows.error();
  if (!status) return make_error("not_found", "outbox item " + id + " does not exist");
  if (*status == "in_flight") {
    return make_error("conflict", "outbox item " + id + " is in flight for another process");
  }
  return make_error("conflict", "outbox item " + id + " is " + *status + ", not in_flight");
}

// Whether `error` is not_in_flight's refusal, given before anything was written.
bool refused_unwritten(const Error& error) {
  return error.code == "conflict" || error.code == "not_found";
}

Error not_final(ItemStatus outcome) {
  return make_error("invalid_argument",
                    "complete needs a final status, not " + std::string(to_string(outcome)));
}

Status record_deliveries(Session& s, ItemId item_id, const std::vector<Delivery>& deliveries) {
  for (const Delivery& delivery : deliveries) {
    auto recorded = s.exec(
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
}

// complete() and reschedule() inside a write.
Status complete_in(Session& s, ItemId item_id, std::string_view claimed_by, ItemStatus outcome,
                   std::string_view reason, const std::vector<Delivery>& deliveries) {
  auto finished = s.exec(
      "UPDATE outbox SET status = $2, reason = $3, claimed_by = '' "
      "WHERE item_id = $1 AND status = 'in_flight' AND claimed_by = $4",
      Params().integer(item_id).text(to_string(outcome)).text(reason).text(claimed_by));
  if (!finished) return finished.error();
  if (*finished == 0) return not_in_flight(s, item_id);
  return record_deliveries(s, item_id, deliveries);
}

Status reschedule_in(Session& s, ItemId item_id, std::string_view claimed_by,
                     UnixSeconds next_attempt_at, std::string_view reason, int attempts) {
  auto requeued = s.exec(
      "UPDATE outbox SET status = 'queued', next_attempt_at = $2, reason = $3, attempts = $4, "
      "claimed_by = '' WHERE item_id = $1 AND status = 'in_flight' AND claimed_by = $5",
      Params()
          .integer(item_id)
          .integer(next_attempt_at)
          .text(reason)
          .integer(std::int64_t{attempts})
          .text(claimed_by));
  if (!requeued) return requeued.error();
  if (*requeued == 0) return not_in_flight(s, item_id);
  return Status::success();
}

// Whether `outcome` may be finished by Dialect::deliver_listed with others.
bool deliverable_in_list(const Outcome& outcome) {
  return outcome.status == ItemStatus::delivered && outcome.reason.empty();
}

// Finishes every outcome that deliverable_in_list() takes, the whole batch's at once (each
// statement costs SQLite its cursors and their allocations, ~8% of the writer's instructions per
// message); `listed` tells which. Ok only when each of them was in flight for `claimed_by`:
// otherwise which one was not is unknown here, and the caller starts over one by one.
Status deliver_listed_in(Session& s, std::string_view deliver_listed, std::string_view claimed_by,
                         const std::vector<Outcome>& outcomes, std::vector<bool>& listed) {
  listed.assign(outcomes.size(), false);
  std::string ids;
  std::int64_t count = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!deliverable_in_list(outcomes[i])) continue;
    if (count++ > 0) ids += ',';
    ids += std::to_string(outcomes[i].item_id);
    listed[i] = true;
  }
  if (count < 2) {  // one alone costs the same either way
    listed.assign(outcomes.size(), false);
    return Status::success();
  }
  auto finished = s.exec(deliver_listed, Params().text(ids).text(claimed_by));
  if (!finished) return finished.error();
  if (*finished != count) {
    return make_error("conflict",
                      "an item of the batch is not in flight for " + std::string(claimed_by));
  }
  return Status::success();
}

// Records `outcomes`, each result in `results`. `isolated`: each in its own savepoint, so that
// one that fails is undone alone (PostgreSQL would otherwise refuse the rest of the transaction)
// and the others still commit. Not isolated, the delivered ones are finished in one statement
// (deliver_listed_in), and the first that fails after writing, or a listed one not in flight,
// sets `one_failed` and fails the whole write (a refused one wrote nothing: it is left as it is).
Status record_outcomes_in(Session& s, std::string_view deliver_listed, std::string_view claimed_by,
                          const std::vector<Outcome>& outcomes, bool isolated,
                          std::vector<Status>& results, bool& one_failed) {
  results.assign(outcomes.size(), Status::success());  // the work may run again (PostgreSQL)
  one_failed = false;
  std::vector<bool> listed(outcomes.size(), false);
  if (!isolated) {
    if (Status finished = deliver_listed_in(s, deliver_listed, claimed_by, outcomes, listed);
        !finished.ok()) {
      one_failed = true;
      return finished;
    }
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (listed[i]) {
      results[i] = record_deliveries(s, o.item_id, o.deliveries);
      if (results[i].ok()) continue;
      one_failed = true;
      return results[i];
    }
    if (o.status != ItemStatus::queued && !is_final(o.status)) {
      results[i] = not_final(o.status);
      continue;
    }
    if (isolated) {
      if (auto begun = s.exec("SAVEPOINT outcome"); !begun) return begun.error();
    }
    results[i] =
        o.status == ItemStatus::queued
            ? reschedule_in(s, o.item_id, claimed_by, o.next_attempt_at, o.reason, o.attempts)
            : complete_in(s, o.item_id, claimed_by, o.status, o.reason, o.deliveries);
    if (!isolated) {
      if (results[i].ok() || refused_unwritten(results[i].error())) continue;
      one_failed = true;
      return results[i];
    }
    if (!results[i].ok()) {
      if (auto undone = s.exec("ROLLBACK TO SAVEPOINT outcome"); !undone) return undone.error();
    }
    if (auto released = s.exec("RELEASE SAVEPOINT outcome"); !released) return released.error();
  }
  return Status::success();
}

// An item accept inserted in_flight, as claim_due would have returned it.
OutboxItem claimed_item(const AcceptRequest& request, const NewOutboxItem& item, ItemId id,
                        int partition) {
  OutboxItem out;
  out.item_id = id;
  out.kind = request.kind;
  out.source_id = request.source_id;
  out.team_id = request.team_id;
  out.role = item.role;
  out.destination = item.destination;
  out.payload_json = item.payload_json;
  out.ordering_key = item.ordering_key;
  out.status = ItemStatus::in_flight;
  out.next_attempt_at = item.next_attempt_at;
  out.created_at = request.now;
  out.partition = partition;
  return out;
}

// Whether an item with `ordering_key` is queued or in flight (every one is earlier than an item
// being inserted).
Result<bool> key_unfinished(Session& s, const std::string& ordering_key) {
  bool unfinished = false;
  auto rows = s.exec(
      "SELECT 1 FROM outbox WHERE ordering_key = $1 AND status IN ('queued', 'in_flight') "
      "LIMIT 1",
      Params().text(ordering_key), [&](const Row&) { unfinished = true; });
  if (!rows) return rows.error();
  return unfinished;
}

// Takes the dialect's key lock for each ordering key an accept may take an item of, in one
// order (sorted) so that two accepts sharing keys cannot each hold one the other waits for.
Status lock_keys(Session& s, const Dialect& dialect, const AcceptRequest& request) {
  if (dialect.key_lock.empty()) return Status::success();
  std::set<std::string_view> keys;
  for (const NewOutboxItem& item : request.items) {
    if (!item.ordering_key.empty() && item.next_attempt_at <= request.now) {
      keys.insert(item.ordering_key);
    }
  }
  for (std::string_view key : keys) {
    if (auto locked = s.exec(dialect.key_lock, Params().text(key)); !locked) return locked.error();
  }
  return Status::success();
}

// Whether accept takes `item` for its claim's owner (AcceptRequest::claim), given how many it
// took already; the caller checked the partition.
Result<bool> claim_at_accept(Session& s, const AcceptRequest& request, const NewOutboxItem& item,
                             std::size_t taken) {
  if (taken >= static_cast<std::size_t>(std::max(0, request.claim.limit))) return false;
  if (item.next_attempt_at > request.now) return false;
  if (item.ordering_key.empty()) return true;
  auto unfinished = key_unfinished(s, item.ordering_key);
  if (!unfinished) return unfinished.error();
  return !*unfinished;
}

}  // namespace

// The head of each ordering key only: an item waits while an earlier one with its key is queued
// (even if not yet due) or in_flight. $1 now, $2 limit, $3 partitions.
std::string claim_due_sql(const Dialect& dialect) {
  return "SELECT " + item_columns(dialect) +
         " FROM outbox AS o WHERE o.status = 'queued' AND o.next_attempt_at <= $1 AND " +
         in_partitions(dialect, "o.", "$3") +
         " AND (o.ordering_key = '' OR NOT EXISTS (SELECT 1 FROM outbox AS p "
         "WHERE p.ordering_key = o.ordering_key AND p.item_id < o.item_id "
         "AND p.status IN ('queued', 'in_flight'))) "
         "ORDER BY o.next_attempt_at, o.item_id LIMIT $2";
}

// $1 partitions, $2 the owner whose items stay.
std::string recover_in_flight_sql(const Dialect& dialect) {
  return "UPDATE outbox SET status = 'queued', claimed_by = '' WHERE status = 'in_flight' AND " +
         in_partitions(dialect, "", "$1") + " AND claimed_by <> $2";
}

Status SqlStore::accept_in(Session& s, const AcceptRequest& request, AcceptResult& result) const {
  result = AcceptResult{};
  // In the same transaction as the insert: nothing is accepted for a workspace that a
  // Disconnect purged after the caller looked it up.
  if (Status active = active_team(s, request.team_id); !active.ok()) return active;
  auto source = s.exec(
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
  if (*source == 0) {
    auto existing =
        load_source_status(s, deliveries_of_source_sql_, request.kind, request.source_id);
    if (!existing) return existing.error();
    result.duplicate = true;
    result.status = std::move(**existing);
    return Status::success();
  }
  const int partition = delivery_partition_of(request.team_id);
  const bool may_claim =
      !request.claim.lease_owner.empty() && ((request.claim.partitions >> partition) & 1) != 0;
  if (may_claim) {
    if (Status locked = lock_keys(s, dialect_, request); !locked.ok()) return locked;
  }
  for (const NewOutboxItem& item : request.items) {
    bool claimed = false;
    if (may_claim) {
      auto taken = claim_at_accept(s, request, item, result.claimed.size());
      if (!taken) return taken.error();
      claimed = *taken;
    }
    auto added = s.exec(insert_item_sql_,
                        Params()
                            .text(to_string(request.kind))
                            .text(request.source_id)
                            .text(request.team_id)
                            .text(item.role)
                            .text(item.destination)
                            .text(item.payload_json)
                            .integer(item.next_attempt_at)
                            .text(item.ordering_key)
                            .integer(request.now)
                            .integer(std::int64_t{partition})
                            .text(to_string(claimed ? ItemStatus::in_flight : ItemStatus::queued))
                            .text(claimed ? request.claim.lease_owner : std::string_view()),
                        [&](const Row& row) { result.item_ids.push_back(row.integer(0)); });
    if (!added) return added.error();
    if (dialect_.returning_item_id.empty()) result.item_ids.push_back(s.last_insert_rowid());
    if (claimed) {
      result.claimed.push_back(claimed_item(request, item, result.item_ids.back(), partition));
    }
  }
  result.status = {request.kind,   request.source_id, request.team_id,
                   request.status, request.reason,    {}};
  return Status::success();
}

Result<AcceptResult> SqlStore::accept(const AcceptRequest& request) {
  if (Status valid = validate_accept(request); !valid.ok()) return valid.error();
  AcceptResult result;
  Status written = db_->write([&](Session& s) { return accept_in(s, request, result); });
  if (!written.ok()) return written.error();
  return result;
}

void SqlStore::accept_async(AcceptRequest request, AcceptDone done) {
  if (Status valid = validate_accept(request); !valid.ok()) return done(request, valid.error());
  struct Accept {
    AcceptRequest request;
    AcceptResult result;
    AcceptDone done;
  };
  // Owned by the write until its Done, which write_async calls exactly once. A raw pointer keeps
  // both closures within std::function's own storage (no allocation per accept for them).
  auto* accept = new Accept{std::move(request), {}, std::move(done)};
  db_->write_async(
      [this, accept](Session& s) { return accept_in(s, accept->request, accept->result); },
      [accept](Status written) {
        const std::unique_ptr<Accept> owned(accept);
        if (!written.ok()) return owned->done(owned->request, written.error());
        owned->done(owned->request, std::move(owned->result));
      });
}

Result<std::vector<OutboxItem>> SqlStore::claim_due(UnixSeconds now, int limit,
                                                    std::string_view lease_owner,
                                                    PartitionMask partitions) {
  std::vector<OutboxItem> claimed;
  if (limit <= 0 || partitions == 0) return claimed;
  // Unsynced: a claim lost to a power cut leaves its items queued, sent again (at least once).
  Status written = db_->write_unsynced([&](Session& s) -> Status {
    claimed.clear();
    if (!dialect_.claim_lock.empty()) {
      if (auto locked = s.exec(dialect_.claim_lock); !locked) return locked.error();
    }
    auto due =
        s.exec(claim_sql_,
               Params().integer(now).integer(std::int64_t{limit}).integer(std::int64_t{partitions}),
               [&](const Row& row) { claimed.push_back(item_from_row(row)); });
    if (!due) return due.error();
    if (claimed.empty()) return Status::success();
    if (dialect_.marks_one_claim_per_run) {
      for (const OutboxItem& item : claimed) {
        auto marked =
            s.exec(dialect_.mark_claimed, Params().integer(item.item_id).text(lease_owner));
        if (!marked) return marked.error();
      }
    } else {
      std::string ids;
      for (const OutboxItem& item : claimed) {
        ids += (ids.empty() ? "{" : ",") + std::to_string(item.item_id);
      }
      auto marked = s.exec(dialect_.mark_claimed, Params().text(ids + "}").text(lease_owner));
      if (!marked) return marked.error();
    }
    for (OutboxItem& item : claimed) item.status = ItemStatus::in_flight;
    return Status::success();
  });
  if (!written.ok()) return written.error();
  return claimed;
}

Status SqlStore::complete(ItemId item_id, std::string_view claimed_by, ItemStatus outcome,
                          std::string_view reason, const std::vector<Delivery>& deliveries) {
  if (!is_final(outcome)) return not_final(outcome);
  return db_->write(
      [&](Session& s) { return complete_in(s, item_id, claimed_by, outcome, reason, deliveries); });
}

Status SqlStore::reschedule(ItemId item_id, std::string_view claimed_by,
                            UnixSeconds next_attempt_at, std::string_view reason, int attempts) {
  return db_->write([&](Session& s) {
    return reschedule_in(s, item_id, claimed_by, next_attempt_at, reason, attempts);
  });
}

std::vector<Status> SqlStore::record_outcomes(std::string_view claimed_by,
                                              const std::vector<Outcome>& outcomes) {
  std::promise<std::vector<Status>> written;
  auto results = written.get_future();
  record_outcomes_async(std::string(claimed_by), outcomes, [&written](std::vector<Status> answer) {
    written.set_value(std::move(answer));
  });
  return results.get();
}

struct SqlStore::OutcomesWrite {
  std::string claimed_by;
  std::vector<Outcome> outcomes;
  OutcomesDone done;
  std::vector<Status> results;
  bool one_failed = false;
};

void SqlStore::record_outcomes_async(std::string claimed_by, std::vector<Outcome> outcomes,
                                     OutcomesDone done) {
  write_outcomes(std::make_shared<OutcomesWrite>(OutcomesWrite{
                     std::move(claimed_by), std::move(outcomes), std::move(done), {}, false}),
                 false);
}

void SqlStore::write_outcomes(std::shared_ptr<OutcomesWrite> write, bool isolated) {
  // An outcome fails after writing only when the database does (I/O, a full disk), and a
  // savepoint per outcome costs SQLite a copy of every page the batch changed before it (the
  // statement journal): they are written without first, and again each in its own savepoint
  // when one failed so (from the first write's Done, which may write again).
  db_->write_async(
      [this, write, isolated](Session& s) {
        return record_outcomes_in(s, dialect_.deliver_listed, write->claimed_by, write->outcomes,
                                  isolated, write->results, write->one_failed);
      },
      [this, write, isolated](Status written) {
        if (!written.ok() && write->one_failed && !isolated) return write_outcomes(write, true);
        if (!written.ok()) write->results.assign(write->outcomes.size(), written);
        write->done(std::move(write->results));
      });
}

Result<std::int64_t> SqlStore::recover_in_flight(PartitionMask partitions,
                                                 std::string_view keep_owner) {
  return change(recover_sql_, Params().integer(std::int64_t{partitions}).text(keep_owner));
}

Result<std::optional<SourceStatus>> SqlStore::source_status(SourceKind kind,
                                                            std::string_view source_id) {
  std::optional<SourceStatus> status;
  Status done = db_->read([&](Session& s) -> Status {
    auto loaded = load_source_status(s, deliveries_of_source_sql_, kind, source_id);
    if (!loaded) return loaded.error();
    status = std::move(*loaded);
    return Status::success();
  });
  if (!done.ok()) return done.error();
  return status;
}

Result<std::optional<BridgedDm>> SqlStore::find_bridged_dm(std::string_view team_id,
                                                           std::string_view channel,
                                                           std::string_view thread_ts,
                                                           std::string_view ts) {
  return select_one(
      thread_ts.empty() ? kBridgedDmBefore : kBridgedDmAt,
      Params().text(team_id).text(channel).text(thread_ts.empty() ? ts : thread_ts),
      [](const Row& row) {
        return BridgedDm{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
      });
}

}  // namespace bridgebot::store::sql
