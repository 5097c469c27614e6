// The events inbox contract, for both backends (also built into integration_postgres).
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "support/temp_dir.h"
#include "support/test_store.h"

using namespace bridgebot::store;

namespace {

struct TempDir : bridgebot::test::TempDir {
  TempDir() : bridgebot::test::TempDir("store_inbox") {}
};

// A store on a fresh file (or database), reopenable to simulate a restart.
struct InboxFixture {
  TempDir dir;
  std::unique_ptr<Store> store = open();

  std::unique_ptr<Store> open() {
    auto opened = bridgebot::test::open_test_store(dir);
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
};

InboxEvent event(std::string id, UnixSeconds at = 100) {
  InboxEvent e;
  e.event_id = std::move(id);
  e.team_id = "T1";
  e.event_type = "user_change";
  e.payload_json = R"({"type":"user_change","user":{"id":"U1"}})";
  e.received_at = at;
  return e;
}

std::vector<std::string> event_ids(const std::vector<InboxEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.event_id);
  return ids;
}

}  // namespace

TEST_CASE("An event is recorded once per event_id, even after a restart", "[store][inbox]") {
  InboxFixture f;
  CHECK(*f.store->record_event(event("Ev1")));
  CHECK_FALSE(*f.store->record_event(event("Ev1")));
  f.store.reset();
  f.store = f.open();
  CHECK_FALSE(*f.store->record_event(event("Ev1")));
  CHECK(*f.store->record_event(event("Ev2")));
  CHECK_FALSE(f.store->record_event(event("")).ok());
}

TEST_CASE("claim_events hands out due events oldest first, each once", "[store][inbox]") {
  InboxFixture f;
  for (const char* id : {"Ev1", "Ev2", "Ev3"}) REQUIRE(*f.store->record_event(event(id)));
  auto first = f.store->claim_events(100, 2);
  REQUIRE(first.ok());
  CHECK(event_ids(*first) == std::vector<std::string>{"Ev1", "Ev2"});
  CHECK((*first)[0].attempts == 1);
  CHECK((*first)[0].team_id == "T1");
  CHECK((*first)[0].payload_json.find("user_change") != std::string::npos);
  CHECK(event_ids(*f.store->claim_events(100, 10)) == std::vector<std::string>{"Ev3"});
  CHECK(f.store->claim_events(100, 10)->empty());
}

TEST_CASE("A retried event comes back when due, with its attempts counted", "[store][inbox]") {
  InboxFixture f;
  REQUIRE(*f.store->record_event(event("Ev1")));
  auto claimed = f.store->claim_events(100, 1);
  REQUIRE(claimed->size() == 1);
  const InboxId id = (*claimed)[0].inbox_id;
  REQUIRE(f.store->retry_event(id, 130, "slack_down").ok());
  CHECK(f.store->claim_events(129, 10)->empty());
  auto again = f.store->claim_events(130, 10);
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].attempts == 2);
  CHECK((*again)[0].reason == "slack_down");
}

TEST_CASE("finish and retry refuse events that are not in flight", "[store][inbox]") {
  InboxFixture f;
  REQUIRE(*f.store->record_event(event("Ev1")));
  auto claimed = f.store->claim_events(100, 1);
  const InboxId id = (*claimed)[0].inbox_id;
  REQUIRE(f.store->finish_event(id, "").ok());
  CHECK(f.store->finish_event(id, "").error().code == "conflict");
  CHECK(f.store->retry_event(id, 200, "x").error().code == "conflict");
  CHECK(f.store->claim_events(1000, 10)->empty());    // done: never handed out again
  CHECK_FALSE(*f.store->record_event(event("Ev1")));  // and still a duplicate
}

TEST_CASE("Events in flight at a crash are pending again after recovery", "[store][inbox]") {
  InboxFixture f;
  REQUIRE(*f.store->record_event(event("Ev1")));
  REQUIRE(f.store->claim_events(100, 1)->size() == 1);
  f.store.reset();
  f.store = f.open();
  CHECK(f.store->claim_events(100, 10)->empty());
  CHECK(*f.store->recover_events() == 1);
  CHECK(event_ids(*f.store->claim_events(100, 10)) == std::vector<std::string>{"Ev1"});
}

TEST_CASE("prune_events deletes old done events only, at most `limit` per call",
          "[store][inbox][retention]") {
  InboxFixture f;
  for (const char* id : {"Old1", "Old2", "Old3"}) REQUIRE(*f.store->record_event(event(id, 100)));
  REQUIRE(*f.store->record_event(event("Pending", 100)));
  REQUIRE(*f.store->record_event(event("New", 500)));
  auto claimed = f.store->claim_events(1000, 10);
  REQUIRE(claimed.ok());
  for (const auto& e : *claimed) {
    if (e.event_id == "Pending") {
      REQUIRE(f.store->retry_event(e.inbox_id, 5000, "later").ok());
    } else {
      REQUIRE(f.store->finish_event(e.inbox_id, "").ok());
    }
  }
  CHECK(*f.store->prune_events(200, 2) == 2);
  CHECK(*f.store->prune_events(200, 2) == 1);
  CHECK(*f.store->prune_events(200, 2) == 0);
  // Pruned ids are forgotten; the pending and the recent done ones are kept.
  CHECK(*f.store->record_event(event("Old1", 600)));
  CHECK_FALSE(*f.store->record_event(event("Pending", 600)));
  CHECK_FALSE(*f.store->record_event(event("New", 600)));
}
