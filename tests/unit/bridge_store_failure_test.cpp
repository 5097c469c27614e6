// The dispatcher when the store fails to record an outcome after the Slack call (busy, disk
// full, lost connection): the recipient must not be stranded behind an item left in flight.
#include <catch2/catch.hpp>

#include "bridge_fakes.h"
#include "support/failing_store.h"

using namespace bridge_test;
using bridgebot::store::ItemStatus;
using namespace std::chrono_literals;

namespace {

// Puts a FailingStore in front of the fixture's store (the directory keeps the inner one).
store::FailingStore& wrap_store(BridgeFixture& f) {
  auto failing = std::make_unique<store::FailingStore>(std::move(f.store));
  auto& handle = *failing;
  f.store = std::move(failing);
  f.options.store_retry = {1ms, 2.0, 5ms};
  return handle;
}

}  // namespace

TEST_CASE("an outcome the store failed to record lands later, and the recipient gets what follows",
          "[bridge][dispatcher][store_failure]") {
  BridgeFixture f;
  auto& failing = wrap_store(f);
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.accept(BridgeFixture::message("m1"), false);
  f.accept(BridgeFixture::message("m2"), false);  // same recipient: waits for m1
  failing.fail_completes(3);

  f.drain();

  CHECK(f.slack.posts().size() == 2);
  CHECK(f.status("m1").status == ItemStatus::delivered);
  CHECK(f.status("m2").status == ItemStatus::delivered);
}

TEST_CASE("a retry the store failed to record is recorded later, and delivered",
          "[bridge][dispatcher][store_failure]") {
  BridgeFixture f;
  auto& failing = wrap_store(f);
  f.link("p-alice", "U1", "alice@example.com");
  f.link("p-bob", "U2", "bob@example.com");
  f.accept(BridgeFixture::message("m1"), false);
  f.slack.fail_next_posts({slack_error("chat.postMessage", "internal_error", 500)});
  failing.fail_reschedules(2);

  f.drain();  // the first attempt fails at Slack; its retry is recorded after two store failures
  f.clock.advance(std::chrono::minutes(1));
  f.drain();

  CHECK(f.slack.posts().size() == 1);
  CHECK(f.status("m1").status == ItemStatus::delivered);
}
