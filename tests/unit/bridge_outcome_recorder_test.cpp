// The outcome recorder on a store that writes without blocking (SQLite's group commit): the
// outcomes are written and settled from the store's commit, with no recorder thread waiting on it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "../src/bridge/outcome_recorder.h"
#include "bridge_fakes.h"
#include "support/failing_store.h"

using namespace bridge_test;
using bridgebot::bridge::OutcomeRecorder;
using bridgebot::bridge::PendingOutcome;
using bridgebot::store::ItemStatus;
using namespace std::chrono_literals;

TEST_CASE("on a store that writes without blocking, outcomes settle once from the commit",
          "[bridge][recorder]") {
  BridgeFixture f;
  for (int i = 0; i < 5; ++i) {  // one recipient each: all five are claimable together
    auto m = BridgeFixture::message("m" + std::to_string(i));
    m.mentions.at(0).id = "p-user" + std::to_string(i);
    f.accept(m, false);
  }
  auto claimed =
      f.store->claim_due(f.clock.unix_seconds(), 10, "test", bridgebot::store::kAllPartitions);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->size() == 5);
  store::FailingStore failing(std::move(f.store));
  REQUIRE(failing.writes_without_blocking());

  std::mutex mutex;
  std::vector<store::ItemId> settled;
  OutcomeRecorder recorder(
      failing, "test", {1ms, 2.0, 5ms}, [] { return 0.0; },
      [&](const std::vector<PendingOutcome>& recorded, const std::vector<PendingOutcome>& dropped) {
        std::lock_guard lock(mutex);
        CHECK(dropped.empty());
        for (const auto& pending : recorded) settled.push_back(pending.item.item_id);
      });
  recorder.start(2);
  failing.hold_outcomes();  // the writer is busy with a slow commit
  for (const auto& item : *claimed) {
    PendingOutcome pending;
    pending.item = item;
    pending.outcome.item_id = item.item_id;
    pending.outcome.status = ItemStatus::delivered;
    recorder.add(std::move(pending));
  }

  // The first outcome went to the store at once; the others wait for its commit, in no thread.
  CHECK(failing.held_outcome_batches() == 1);
  {
    std::lock_guard lock(mutex);
    CHECK(settled.empty());
  }
  failing.release_outcomes();  // its commit hands the other four over as one batch

  recorder.stop();
  CHECK(failing.blocking_outcome_writes() == 0);
  std::sort(settled.begin(), settled.end());
  std::vector<store::ItemId> ids;
  for (const auto& item : *claimed) ids.push_back(item.item_id);
  std::sort(ids.begin(), ids.end());
  CHECK(settled == ids);  // each once
  for (int i = 0; i < 5; ++i) {
    auto status = failing.source_status(store::SourceKind::message, "m" + std::to_string(i));
    REQUIRE(status.ok());
    REQUIRE(status->has_value());
    CHECK((*status)->status == ItemStatus::delivered);
  }
}
