#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/delivery_partition.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"
#include "support/test_store.h"

namespace fs = std::filesystem;
using namespace bridgebot::store;

namespace {

struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_outbox") {}
};

// A store on a fresh file (or database), reopenable to simulate a restart.
struct StoreFixture {
  TempDir dir;
  std::unique_ptr<Store> store = open();

  StoreFixture() { REQUIRE(bridgebot::test::record_installed(*store, "T1")); }

  std::unique_ptr<Store> open() {
    auto opened = bridgebot::test::open_test_store(dir);
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
};

NewOutboxItem item_for(std::string role, std::string ordering_key, UnixSeconds due = 100) {
  return {std::move(role), "U2", R"({"text":"hi"})", std::move(ordering_key), due};
}

AcceptRequest message(std::string id, std::vector<NewOutboxItem> items) {
  AcceptRequest request;
  request.kind = SourceKind::message;
  request.source_id = std::move(id);
  request.team_id = "T1";
  request.items = std::move(items);
  request.now = 100;
  return request;
}

std::vector<ItemId> ids_of(const std::vector<OutboxItem>& items) {
  std::vector<ItemId> ids;
  for (const auto& item : items) ids.push_back(item.item_id);
  return ids;
}

}  // namespace

TEST_CASE("A new message is queued and the same id again is a duplicate", "[store][outbox]") {
  StoreFixture f;
  auto first = f.store->accept(message("msg-1", {item_for("recipient", "T1:U2")}));
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(first->status.status == ItemStatus::queued);
  REQUIRE(first->item_ids.size() == 1);

  auto again = f.store->accept(message("msg-1", {item_for("recipient", "T1:U2")}));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->status.status == ItemStatus::queued);
  CHECK(again->item_ids.empty());
  // The duplicate produced no second item.
  auto claimed = f.store->claim_due(100, 10, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  CHECK(claimed->size() == 1);
}

TEST_CASE("Message and notification ids are separate idempotency spaces", "[store][outbox]") {
  StoreFixture f;
  REQUIRE(f.store->accept(message("42", {item_for("recipient", "")})).ok());
  auto notification = message("42", {item_for("destination", "")});
  notification.kind = SourceKind::notification;
  auto accepted = f.store->accept(notification);
  REQUIRE(accepted.ok());
  CHECK_FALSE(accepted->duplicate);
}

TEST_CASE("An ignored message is recorded with its reason and stays a duplicate",
          "[store][outbox]") {
  StoreFixture f;
  auto ignored = message("msg-2", {});
  ignored.status = ItemStatus::ignored;
  ignored.reason = "group_mention";
  REQUIRE(f.store->accept(ignored).ok());

  auto status = f.store->source_status(SourceKind::message, "msg-2");
  REQUIRE(status.ok());
  REQUIRE(status->has_value());
  CHECK((*status)->status == ItemStatus::ignored);
  CHECK((*status)->reason == "group_mention");

  auto again = f.store->accept(message("msg-2", {item_for("recipient", "")}));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->status.status == ItemStatus::ignored);
}

TEST_CASE("Contradictory accept requests are refused", "[store][outbox]") {
  StoreFixture f;
  auto queued_without_items = message("msg-3", {});
  CHECK(f.store->accept(queued_without_items).error().code == "invalid_argument");
  auto ignored_with_items = message("msg-3", {item_for("recipient", "")});
  ignored_with_items.status = ItemStatus::ignored;
  CHECK(f.store->accept(ignored_with_items).error().code == "invalid_argument");
  // Neither was recorded.
  CHECK_FALSE(f.store->source_status(SourceKind::message, "msg-3")->has_value());
}

TEST_CASE("Unknown source ids have no status", "[store][outbox]") {
  StoreFixture f;
  auto status = f.store->source_status(SourceKind::message, "nope");
  REQUIRE(status.ok());
  CHECK_FALSE(status->has_value());
}

TEST_CASE("claim_due hands out only due items", "[store][outbox]") {
  StoreFixture f;
  auto now = f.store->accept(message("m-now", {item_for("recipient", "", 100)}));
  auto later = f.store->accept(message("m-later", {item_for("recipient", "", 200)}));
  REQUIRE(now.ok());
  REQUIRE(later.ok());

  auto at_100 = f.store->claim_due(100, 10, "worker", kAllPartitions);
  REQUIRE(at_100.ok());
  CHECK(ids_of(*at_100) == now->item_ids);
  CHECK(at_100->front().status == ItemStatus::in_flight);
  CHECK(at_100->front().payload_json == R"({"text":"hi"})");
  // Claimed items are not handed out twice.
  CHECK(f.store->claim_due(150, 10, "worker", kAllPartitions)->empty());
  CHECK(ids_of(*f.store->claim_due(200, 10, "worker", kAllPartitions)) == later->item_ids);
}

TEST_CASE("claim_due keeps per-key order until the earlier item finishes", "[store][outbox]") {
  StoreFixture f;
  auto first = f.store->accept(message("m1", {item_for("recipient", "T1:U2")}));
  auto second = f.store->accept(message("m2", {item_for("recipient", "T1:U2")}));
  auto other_key = f.store->accept(message("m3", {item_for("recipient", "T1:U3")}));
  REQUIRE((first.ok() && second.ok() && other_key.ok()));

  auto claimed = f.store->claim_due(100, 10, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  CHECK(ids_of(*claimed) == std::vector<ItemId>{first->item_ids[0], other_key->item_ids[0]});

  // Still blocked while the first is in flight, and while it waits for a retry.
  CHECK(f.store->claim_due(100, 10, "worker", kAllPartitions)->empty());
  REQUIRE(f.store->reschedule(first->item_ids[0], "worker", 300, "ratelimited", 1).ok());
  CHECK(f.store->claim_due(200, 10, "worker", kAllPartitions)->empty());

  auto retried = f.store->claim_due(300, 10, "worker", kAllPartitions);
  REQUIRE(retried.ok());
  REQUIRE(ids_of(*retried) == first->item_ids);
  CHECK(retried->front().attempts == 1);
  CHECK(retried->front().reason == "ratelimited");
  REQUIRE(f.store->complete(first->item_ids[0], "worker", ItemStatus::delivered, "", {}).ok());
  CHECK(ids_of(*f.store->claim_due(300, 10, "worker", kAllPartitions)) == second->item_ids);
}

TEST_CASE("claim_due respects its limit", "[store][outbox]") {
  StoreFixture f;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(f.store->accept(message("m" + std::to_string(i), {item_for("recipient", "")})).ok());
  }
  CHECK(f.store->claim_due(100, 3, "worker", kAllPartitions)->size() == 3);
  CHECK(f.store->claim_due(100, 3, "worker", kAllPartitions)->size() == 2);
  CHECK(f.store->claim_due(100, 0, "worker", kAllPartitions)->empty());
}

TEST_CASE("Status reports deliveries and the worst final outcome", "[store][outbox]") {
  StoreFixture f;
  auto accepted = f.store->accept(
      message("msg-5", {item_for("recipient", "T1:U2"), item_for("sender_copy", "T1:U1")}));
  REQUIRE(accepted.ok());
  auto claimed = f.store->claim_due(100, 10, "worker", kAllPartitions);
  REQUIRE(claimed->size() == 2);

  REQUIRE(f.store
              ->complete(accepted->item_ids[0], "worker", ItemStatus::delivered, "",
                         {{"recipient", "U2", "D2", "1732183200.000100"}})
              .ok());
  // One item still in flight: the message as a whole is still queued.
  CHECK((*f.store->source_status(SourceKind::message, "msg-5"))->status == ItemStatus::queued);

  REQUIRE(
      f.store
          ->complete(accepted->item_ids[1], "worker", ItemStatus::failed, "channel_not_found", {})
          .ok());
  auto status = f.store->source_status(SourceKind::message, "msg-5");
  REQUIRE(status.ok());
  CHECK((*status)->status == ItemStatus::failed);
  CHECK((*status)->reason == "channel_not_found");
  REQUIRE((*status)->deliveries.size() == 1);
  CHECK((*status)->deliveries[0].channel == "D2");
  CHECK((*status)->deliveries[0].ts == "1732183200.000100");
}

TEST_CASE("complete and reschedule refuse items that are not in flight", "[store][outbox]") {
  StoreFixture f;
  auto accepted = f.store->accept(message("msg-6", {item_for("recipient", "")}));
  REQUIRE(accepted.ok());
  ItemId id = accepted->item_ids[0];
  CHECK(f.store->complete(id, "worker", ItemStatus::delivered, "", {}).error().code == "conflict");
  CHECK(f.store->reschedule(id, "worker", 200, "x", 1).error().code == "conflict");
  CHECK(f.store->complete(id + 1000, "worker", ItemStatus::delivered, "", {}).error().code ==
        "not_found");
  REQUIRE(f.store->claim_due(100, 1, "worker", kAllPartitions)->size() == 1);
  CHECK(f.store->complete(id, "worker", ItemStatus::queued, "", {}).error().code ==
        "invalid_argument");
  REQUIRE(
      f.store->complete(id, "worker", ItemStatus::undeliverable, "recipient_not_linked", {}).ok());
  CHECK(f.store->complete(id, "worker", ItemStatus::delivered, "", {}).error().code == "conflict");
  auto status = f.store->source_status(SourceKind::message, "msg-6");
  CHECK((*status)->status == ItemStatus::undeliverable);
  CHECK((*status)->reason == "recipient_not_linked");
}

TEST_CASE("A batch of outcomes is one commit, and one not in flight is refused alone",
          "[store][outbox]") {
  StoreFixture f;
  std::vector<ItemId> ids;
  for (const char* id : {"msg-b1", "msg-b2", "msg-b3", "msg-b4"}) {
    auto accepted = f.store->accept(message(id, {item_for("recipient", id)}));
    REQUIRE(accepted.ok());
    ids.push_back(accepted->item_ids[0]);
  }
  REQUIRE(f.store->claim_due(100, 10, "worker", kAllPartitions)->size() == 4);
  REQUIRE(f.store->complete(ids[1], "worker", ItemStatus::delivered, "", {}).ok());  // finished

  std::vector<Outcome> outcomes(4);
  outcomes[0] = {ids[0], ItemStatus::delivered, "", {{"recipient", "U2", "D2", "1.000100"}}, 0, 0};
  outcomes[1] = {ids[1], ItemStatus::failed, "late", {}, 0, 0};
  outcomes[2] = {ids[2], ItemStatus::queued, "ratelimited", {}, 160, 1};
  outcomes[3] = {ids[3], ItemStatus::undeliverable, "recipient_not_linked", {}, 0, 0};
  // Fenced by owner: another process's outcome for these items is refused.
  const auto foreign = f.store->record_outcomes("other", {outcomes[3]});
  REQUIRE(foreign.size() == 1);
  CHECK(foreign[0].error().code == "conflict");
  const auto commits_before = f.store->stats().write_transactions;
  const auto results = f.store->record_outcomes("worker", outcomes);

  CHECK(f.store->stats().write_transactions == commits_before + 1);
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK(results[1].error().code == "conflict");
  CHECK(results[2].ok());
  CHECK(results[3].ok());
  auto first = f.store->source_status(SourceKind::message, "msg-b1");
  CHECK((*first)->status == ItemStatus::delivered);
  REQUIRE((*first)->deliveries.size() == 1);
  CHECK((*first)->deliveries[0].ts == "1.000100");
  CHECK((*f.store->source_status(SourceKind::message, "msg-b2"))->status ==
        ItemStatus::delivered);  // not overwritten by the refused outcome
  CHECK((*f.store->source_status(SourceKind::message, "msg-b4"))->reason == "recipient_not_linked");
  CHECK(f.store->claim_due(159, 10, "worker", kAllPartitions)->empty());
  auto retried = f.store->claim_due(160, 10, "worker", kAllPartitions);
  REQUIRE(retried->size() == 1);
  CHECK(retried->front().item_id == ids[2]);
  CHECK(retried->front().attempts == 1);
  CHECK(retried->front().reason == "ratelimited");
}

// Delivered outcomes are finished in one statement per batch; one of them that is no longer in
// flight for the caller must still be refused alone, with the others' deliveries in order.
TEST_CASE("A batch of delivered outcomes lands whole, and one not in flight is refused alone",
          "[store][outbox]") {
  StoreFixture f;
  std::vector<ItemId> ids;
  for (const char* id : {"msg-d1", "msg-d2", "msg-d3", "msg-d4"}) {
    auto accepted = f.store->accept(message(id, {item_for("recipient", id)}));
    REQUIRE(accepted.ok());
    ids.push_back(accepted->item_ids[0]);
  }
  REQUIRE(f.store->claim_due(100, 10, "worker", kAllPartitions)->size() == 4);
  auto delivered = [&](std::size_t n) {
    const std::string ts = "1.00020" + std::to_string(n);
    return Outcome{ids[n], ItemStatus::delivered, "", {{"recipient", "U2", "D2", ts}}, 0, 0};
  };
  const auto first = f.store->record_outcomes("worker", {delivered(0), delivered(1)});
  REQUIRE(first.size() == 2);
  CHECK(first[0].ok());
  CHECK(first[1].ok());

  // msg-d3 is finished by then; another owner's outcomes for msg-d4 are refused too.
  REQUIRE(f.store->complete(ids[2], "worker", ItemStatus::failed, "late", {}).ok());
  CHECK(f.store->record_outcomes("other", {delivered(3), delivered(3)})[0].error().code ==
        "conflict");
  const auto second = f.store->record_outcomes("worker", {delivered(2), delivered(3)});
  REQUIRE(second.size() == 2);
  CHECK(second[0].error().code == "conflict");
  CHECK(second[1].ok());

  const std::pair<const char*, ItemStatus> expected[] = {{"msg-d1", ItemStatus::delivered},
                                                         {"msg-d2", ItemStatus::delivered},
                                                         {"msg-d3", ItemStatus::failed},
                                                         {"msg-d4", ItemStatus::delivered}};
  for (const auto& [id, outcome] : expected) {
    auto status = f.store->source_status(SourceKind::message, id);
    CHECK((*status)->status == outcome);
    CHECK((*status)->deliveries.size() == (outcome == ItemStatus::delivered ? 1U : 0U));
  }
  CHECK((*f.store->source_status(SourceKind::message, "msg-d3"))->reason == "late");
  CHECK((*f.store->source_status(SourceKind::message, "msg-d4"))->deliveries[0].ts == "1.000203");
}

TEST_CASE("Items in flight at a crash are queued again after reopening", "[store][outbox]") {
  StoreFixture f;
  auto accepted =
      f.store->accept(message("msg-7", {item_for("recipient", "a"), item_for("sender_copy", "b")}));
  REQUIRE(accepted.ok());
  REQUIRE(f.store->claim_due(100, 10, "worker", kAllPartitions)->size() == 2);
  REQUIRE(f.store->complete(accepted->item_ids[1], "worker", ItemStatus::delivered, "", {}).ok());

  f.store.reset();  // the process dies with one item in flight
  f.store = f.open();
  auto recovered = f.store->recover_in_flight(kAllPartitions, "next-process");
  REQUIRE(recovered.ok());
  CHECK(*recovered == 1);
  CHECK(ids_of(*f.store->claim_due(100, 10, "worker", kAllPartitions)) ==
        std::vector<ItemId>{accepted->item_ids[0]});
}

TEST_CASE("prune_finished deletes old finished sources with their items, and nothing else",
          "[store][outbox][retention]") {
  StoreFixture f;
  // accepted at 100: old-done (delivered, with a delivery row), old-failed, old-waiting (still
  // queued); accepted at 5000: new-done; old-ignored has no items at all.
  for (const char* id : {"old-done", "old-failed", "old-waiting"}) {
    REQUIRE(f.store->accept(message(id, {item_for("recipient", std::string(id))})).ok());
  }
  AcceptRequest ignored = message("old-ignored", {});
  ignored.status = ItemStatus::ignored;
  ignored.reason = "group_mention";
  REQUIRE(f.store->accept(ignored).ok());
  auto late = message("new-done", {item_for("recipient", "new")});
  late.now = 5000;
  REQUIRE(f.store->accept(late).ok());

  auto claimed = f.store->claim_due(10'000, 10, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  for (const auto& item : *claimed) {
    if (item.source_id == "old-waiting") continue;
    const bool failed = item.source_id == "old-failed";
    REQUIRE(f.store
                ->complete(item.item_id, "worker",
                           failed ? ItemStatus::failed : ItemStatus::delivered,
                           failed ? "channel_not_found" : "", {{"recipient", "U2", "D2", "1.1"}})
                .ok());
  }

  auto pruned = f.store->prune_finished(1000, 10);
  REQUIRE(pruned.ok());
  CHECK(*pruned == 3);  // old-done, old-failed, old-ignored
  for (const char* gone : {"old-done", "old-failed", "old-ignored"}) {
    INFO(gone);
    CHECK_FALSE(f.store->source_status(SourceKind::message, gone)->has_value());
  }
  CHECK(f.store->source_status(SourceKind::message, "old-waiting")->has_value());
  CHECK(f.store->source_status(SourceKind::message, "new-done")->has_value());
  CHECK(*f.store->prune_finished(1000, 10) == 0);

  // A pruned id is unknown now: sent again, it is a new message, not a duplicate.
  auto again = f.store->accept(message("old-done", {item_for("recipient", "again")}));
  REQUIRE(again.ok());
  CHECK_FALSE(again->duplicate);
}

TEST_CASE("prune_finished deletes at most `limit` sources per call", "[store][outbox][retention]") {
  StoreFixture f;
  for (int i = 0; i < 5; ++i) {
    AcceptRequest ignored = message("ignored-" + std::to_string(i), {});
    ignored.status = ItemStatus::ignored;
    REQUIRE(f.store->accept(ignored).ok());
  }
  CHECK(*f.store->prune_finished(1000, 2) == 2);
  CHECK(*f.store->prune_finished(1000, 2) == 2);
  CHECK(*f.store->prune_finished(1000, 2) == 1);
}

TEST_CASE("A reply is its own idempotency space and is found by neither GET kind",
          "[store][outbox][replies]") {
  StoreFixture f;
  auto reply = message("T1:D2:1.000100", {item_for("platform_reply", "T1:D2")});
  reply.kind = SourceKind::reply;
  auto first = f.store->accept(reply);
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  auto again = f.store->accept(reply);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK_FALSE(*f.store->source_status(SourceKind::message, "T1:D2:1.000100"));
  auto claimed = f.store->claim_due(100, 10, "worker", kAllPartitions);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 1);
  CHECK((*claimed)[0].kind == SourceKind::reply);
}

TEST_CASE("find_bridged_dm finds the relayed DM a message in that DM answers",
          "[store][outbox][replies]") {
  StoreFixture f;
  auto relay = [&](const std::string& id, const std::string& ts) {
    auto accepted = f.store->accept(message(id, {item_for("recipient", "T1:p-bob")}));
    REQUIRE(accepted.ok());
    auto claimed = f.store->claim_due(100, 10, "worker", kAllPartitions);
    REQUIRE(claimed.ok());
    REQUIRE(claimed->size() == 1);
    REQUIRE(f.store
                ->complete((*claimed)[0].item_id, "worker", ItemStatus::delivered, "",
                           {{"recipient", "U2", "D2", ts}})
                .ok());
  };
  relay("msg-1", "1700000000.000100");
  relay("msg-2", "1700000000.000300");

  // In a thread: the DM that started it.
  auto in_thread = f.store->find_bridged_dm("T1", "D2", "1700000000.000100", "1700000000.000400");
  REQUIRE(in_thread.ok());
  REQUIRE(in_thread->has_value());
  CHECK((*in_thread)->source_id == "msg-1");
  CHECK((*in_thread)->slack_user == "U2");
  CHECK((*in_thread)->recipient == "U2");  // the item's destination
  CHECK((*in_thread)->payload_json == R"({"text":"hi"})");
  // Not in a thread: the latest relayed DM before it.
  auto between = f.store->find_bridged_dm("T1", "D2", "", "1700000000.000200");
  REQUIRE(between.ok());
  REQUIRE(between->has_value());
  CHECK((*between)->source_id == "msg-1");
  auto after = f.store->find_bridged_dm("T1", "D2", "", "1700000000.000500");
  REQUIRE(after.ok());
  REQUIRE(after->has_value());
  CHECK((*after)->source_id == "msg-2");
  // Before any, another DM, another team, or a thread bridgebot did not start: nothing.
  CHECK_FALSE(*f.store->find_bridged_dm("T1", "D2", "", "1600000000.000100"));
  CHECK_FALSE(*f.store->find_bridged_dm("T1", "D9", "", "1700000000.000500"));
  CHECK_FALSE(*f.store->find_bridged_dm("T9", "D2", "", "1700000000.000500"));
  CHECK_FALSE(*f.store->find_bridged_dm("T1", "D2", "1700000000.000200", "1700000000.000500"));
}

TEST_CASE("Source activity keeps the latest event and the latest failure apart",
          "[store][sources]") {
  StoreFixture f;
  CHECK(f.store->source_activity()->empty());
  REQUIRE(f.store->record_source_failure("zendesk:support", "invalid_signature: x", 10).ok());
  REQUIRE(f.store->record_source_event("zendesk:support", "ev-1", 20).ok());
  REQUIRE(f.store->record_source_event("zendesk:support", "ev-2", 30).ok());
  REQUIRE(f.store->record_source_event("zendesk:billing", "ev-9", 5).ok());
  auto activity = f.store->source_activity();
  REQUIRE(activity.ok());
  REQUIRE(activity->size() == 2);
  const SourceActivity& billing = (*activity)[0];
  const SourceActivity& support = (*activity)[1];
  CHECK(billing.source_id == "zendesk:billing");
  CHECK_FALSE(billing.last_failure_at.has_value());
  CHECK(support.last_event_id == "ev-2");
  CHECK(support.last_event_at == 30);
  CHECK(support.last_failure == "invalid_signature: x");
  CHECK(support.last_failure_at == 10);
}

TEST_CASE("each workspace's items are in one delivery partition, and claims keep to theirs",
          "[store][outbox][partitions]") {
  StoreFixture f;
  // Forty workspaces, two items each.
  std::map<std::string, std::set<int>> partitions_of_team;
  for (int t = 0; t < 40; ++t) {
    const std::string team = "TP" + std::to_string(1000 + t * 7);
    REQUIRE(bridgebot::test::record_installed(*f.store, team));
    AcceptRequest request = message("msg-p" + std::to_string(t),
                                    {item_for("recipient", ""), item_for("sender_copy", "")});
    request.team_id = team;
    REQUIRE(f.store->accept(request).ok());
    partitions_of_team[team];
  }
  // Odd partitions only: a claim never hands out an item of another partition.
  PartitionMask odd = 0;
  for (int p = 1; p < kDeliveryPartitions; p += 2) odd |= PartitionMask{1} << p;
  auto claimed = f.store->claim_due(100, 1000, "odd", odd);
  REQUIRE(claimed.ok());
  for (const auto& item : *claimed) {
    CHECK(item.partition % 2 == 1);
    CHECK(item.partition == bridgebot::test::delivery_partition_of(item.team_id));
    partitions_of_team[item.team_id].insert(item.partition);
  }
  auto rest = f.store->claim_due(100, 1000, "even", kAllPartitions);
  REQUIRE(rest.ok());
  std::set<int> used;
  for (const auto& item : *rest) {
    CHECK(item.partition % 2 == 0);
    CHECK(item.partition == bridgebot::test::delivery_partition_of(item.team_id));
    partitions_of_team[item.team_id].insert(item.partition);
  }
  CHECK(claimed->size() + rest->size() == 80);
  for (const auto& [team, partitions] : partitions_of_team) {
    INFO(team);
    CHECK(partitions.size() == 1);  // both items of a workspace in one partition
    for (int p : partitions) {
      CHECK(p >= 0);
      CHECK(p < kDeliveryPartitions);
      used.insert(p);
    }
  }
  CHECK(used.size() >= 10);  // forty workspaces spread over most of the sixteen
}

TEST_CASE("an outcome lands only for the process that claimed the item",
          "[store][outbox][partitions]") {
  StoreFixture f;
  auto accepted = f.store->accept(message("msg-fence", {item_for("recipient", "")}));
  REQUIRE(accepted.ok());
  const ItemId id = accepted->item_ids[0];
  REQUIRE(f.store->claim_due(100, 10, "old-owner", kAllPartitions)->size() == 1);
  // The partition is taken over: its items left in flight by others go back to the queue, and
  // the new owner claims the item again.
  auto recovered = f.store->recover_in_flight(kAllPartitions, "new-owner");
  REQUIRE(recovered.ok());
  CHECK(*recovered == 1);
  REQUIRE(f.store->claim_due(100, 10, "new-owner", kAllPartitions)->size() == 1);
  CHECK(f.store->complete(id, "old-owner", ItemStatus::delivered, "", {}).error().code ==
        "conflict");
  CHECK(f.store->reschedule(id, "old-owner", 200, "x", 1).error().code == "conflict");
  // Recovery never takes back the recovering owner's own items.
  CHECK(*f.store->recover_in_flight(kAllPartitions, "new-owner") == 0);
  REQUIRE(f.store->complete(id, "new-owner", ItemStatus::delivered, "", {}).ok());
  CHECK((*f.store->source_status(SourceKind::message, "msg-fence"))->status ==
        ItemStatus::delivered);
}

TEST_CASE("recovery re-queues only the partitions taken over", "[store][outbox][partitions]") {
  StoreFixture f;
  REQUIRE(f.store->accept(message("msg-r", {item_for("recipient", "")})).ok());
  auto claimed = f.store->claim_due(100, 10, "crashed", kAllPartitions);
  REQUIRE(claimed->size() == 1);
  const int partition = (*claimed)[0].partition;
  CHECK(*f.store->recover_in_flight(kAllPartitions & ~(PartitionMask{1} << partition), "me") == 0);
  CHECK(*f.store->recover_in_flight(PartitionMask{1} << partition, "me") == 1);
}

namespace {

// What a dispatcher holding every partition, with room for `limit` items, puts in an accept.
ClaimAtAccept claim_for(std::string owner, int limit = 4) {
  return {std::move(owner), kAllPartitions, limit};
}

}  // namespace

TEST_CASE("an accept takes an item for delivery only while no earlier one of its key is unfinished",
          "[store][outbox][claim_at_accept]") {
  StoreFixture f;
  AcceptRequest first = message("m1", {item_for("recipient", "T1:U2")});
  first.claim = claim_for("me");
  auto one = f.store->accept(first);
  REQUIRE(one.ok());
  // Taken in the accept's transaction, as a claim would have returned it.
  REQUIRE(one->claimed.size() == 1);
  CHECK(one->claimed[0].item_id == one->item_ids[0]);
  CHECK(one->claimed[0].status == ItemStatus::in_flight);
  CHECK(one->claimed[0].payload_json == R"({"text":"hi"})");
  CHECK(one->claimed[0].partition == delivery_partition_of("T1"));
  CHECK(f.store->claim_due(100, 10, "me", kAllPartitions)->empty());  // in flight already

  // The next message to that recipient while the first is in flight: queued behind it.
  AcceptRequest second = message("m2", {item_for("recipient", "T1:U2")});
  second.claim = claim_for("me");
  auto two = f.store->accept(second);
  REQUIRE(two.ok());
  CHECK(two->claimed.empty());
  CHECK(f.store->claim_due(100, 10, "me", kAllPartitions)->empty());
  REQUIRE(f.store->complete(one->item_ids[0], "me", ItemStatus::delivered, "", {}).ok());
  auto next = f.store->claim_due(100, 10, "me", kAllPartitions);
  REQUIRE(next.ok());
  CHECK(ids_of(*next) == two->item_ids);
}

TEST_CASE("an accept takes nothing of another partition, not yet due, or beyond its room",
          "[store][outbox][claim_at_accept]") {
  StoreFixture f;
  AcceptRequest other = message("m1", {item_for("recipient", "T1:U2")});
  other.claim = {"me", kAllPartitions & ~(PartitionMask{1} << delivery_partition_of("T1")), 4};
  CHECK(f.store->accept(other)->claimed.empty());

  AcceptRequest later = message("m2", {item_for("recipient", "T1:U3", 160)});
  later.claim = claim_for("me");
  CHECK(f.store->accept(later)->claimed.empty());

  // Two items with keys of their own and room for one: the first is taken.
  AcceptRequest two = message("m3", {item_for("recipient", "T1:U4"), item_for("sender", "")});
  two.claim = claim_for("me", 1);
  auto taken = f.store->accept(two);
  REQUIRE(taken.ok());
  CHECK(taken->claimed.size() <= 1);
  if (!taken->claimed.empty()) CHECK(taken->claimed[0].item_id == taken->item_ids[0]);
  // The rest is queued for the claimer: m1, and m3's second item.
  CHECK(f.store->claim_due(100, 10, "me", kAllPartitions)->size() == 3 - taken->claimed.size());
}

TEST_CASE("an item taken at accept by a process that died is delivered by the one taking over",
          "[store][outbox][claim_at_accept]") {
  StoreFixture f;
  AcceptRequest request = message("m1", {item_for("recipient", "T1:U2")});
  request.claim = claim_for("gone");
  auto accepted = f.store->accept(request);
  REQUIRE(accepted.ok());
  REQUIRE(accepted->claimed.size() == 1);
  f.store = f.open();  // a restart
  CHECK(*f.store->recover_in_flight(kAllPartitions, "me") == 1);
  auto claimed = f.store->claim_due(100, 10, "me", kAllPartitions);
  REQUIRE(claimed.ok());
  CHECK(ids_of(*claimed) == accepted->item_ids);
  // Fenced: the dead owner's late outcome does not land.
  CHECK_FALSE(f.store->complete(accepted->item_ids[0], "gone", ItemStatus::delivered, "", {}).ok());
}

TEST_CASE("concurrent accepts for one recipient take at most one item, the earliest",
          "[store][outbox][claim_at_accept]") {
  StoreFixture f;
  constexpr int kAccepts = 8;
  std::vector<bridgebot::Result<AcceptResult>> results(kAccepts,
                                                       bridgebot::make_error("not_run", ""));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kAccepts; ++i) {
    threads.emplace_back([&, i] {
      AcceptRequest request = message("m" + std::to_string(i), {item_for("recipient", "T1:U2")});
      request.claim = claim_for("me", 4);
      ++ready;
      while (ready.load() < kAccepts) std::this_thread::yield();  // all at once
      results[static_cast<std::size_t>(i)] = f.store->accept(request);
    });
  }
  for (auto& thread : threads) thread.join();

  // PostgreSQL runs these transactions side by side: without the key's lock each saw no
  // unfinished item of the recipient and took its own, sending them at once and out of order.
  std::vector<ItemId> all, taken;
  for (const auto& result : results) {
    REQUIRE(result.ok());
    all.insert(all.end(), result->item_ids.begin(), result->item_ids.end());
    for (const auto& item : result->claimed) taken.push_back(item.item_id);
  }
  std::sort(all.begin(), all.end());
  REQUIRE(taken.size() <= 1);
  // The rest go one at a time, in the order they were accepted.
  std::vector<ItemId> sent = taken;
  while (sent.size() < all.size()) {
    if (!sent.empty()) {
      REQUIRE(f.store->complete(sent.back(), "me", ItemStatus::delivered, "", {}).ok());
    }
    auto next = f.store->claim_due(100, 10, "me", kAllPartitions);
    REQUIRE(next.ok());
    REQUIRE(next->size() == 1);
    sent.push_back(next->front().item_id);
  }
  CHECK(sent == all);
}
