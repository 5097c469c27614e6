// DeliveryLease over a real SQLite file opened twice, as two bridgebot processes sharing it. The
// guarded work here is the outbox (any work with a recovery step would do).
#include <catch2/catch.hpp>
#include <memory>

#include "bridgebot/bridge/delivery_lease.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

using namespace bridgebot;
using namespace std::chrono_literals;

namespace {

struct TwoProcesses {
  test::TempDir dir{"delivery_lease"};
  core::FakeClock clock;
  std::unique_ptr<store::Store> store_a = open();
  std::unique_ptr<store::Store> store_b = open();
  bridge::DeliveryLease a{*store_a, clock, "process-a", 10s, scope()};
  bridge::DeliveryLease b{*store_b, clock, "process-b", 10s, scope()};

  static bridge::LeaseScope scope() {
    return {"work", "worker",
            [](store::Store& store) { return store.recover_in_flight(store::kAllPartitions, ""); }};
  }

  std::unique_ptr<store::Store> open() {
    auto opened = store::open_sqlite_store(dir.file("bridge.db")).value();
    REQUIRE(test::record_installed(*opened, "T1"));
    return opened;
  }

  // Accepts one message for bob and lets `owner` claim it: it is then in flight.
  void claim_one(const std::string& owner) {
    store::AcceptRequest request;
    request.source_id = "msg-" + owner;
    request.team_id = "T1";
    request.items = {{"recipient", "U2", "{}", "", 0}};
    request.now = clock.unix_seconds();
    REQUIRE(store_a->accept(request).ok());
    REQUIRE(
        store_a->claim_due(clock.unix_seconds(), 10, owner, store::kAllPartitions).value().size() ==
        1);
  }
  std::size_t claimable() {
    return store_b->claim_due(clock.unix_seconds(), 10, "probe", store::kAllPartitions)->size();
  }
};

}  // namespace

TEST_CASE("one of two processes delivers; the other takes over as soon as it stops",
          "[bridge][lease]") {
  TwoProcesses p;
  CHECK(p.a.held());
  CHECK_FALSE(p.b.held());
  p.clock.advance(5s);
  CHECK(p.a.held());  // renewed
  CHECK_FALSE(p.b.held());
  p.a.release();
  p.clock.advance(1s);  // the standby looks again once a second
  CHECK(p.b.held());
  CHECK_FALSE(p.a.held());
}

TEST_CASE("after a crash the next holder re-queues the items left in flight, after the ttl",
          "[bridge][lease]") {
  TwoProcesses p;
  REQUIRE(p.a.held());
  p.claim_one("process-a");
  // a crashes: it never renews nor releases.
  p.clock.advance(5s);
  CHECK_FALSE(p.b.held());
  CHECK(p.claimable() == 0);  // still a's, as far as anyone can tell
  p.clock.advance(6s);
  CHECK(p.b.held());
  CHECK(p.claimable() == 1);
}

TEST_CASE("the holder renewing its lease never re-queues its own items in flight",
          "[bridge][lease]") {
  TwoProcesses p;
  REQUIRE(p.a.held());
  p.claim_one("process-a");
  for (int i = 0; i < 5; ++i) {
    p.clock.advance(4s);
    REQUIRE(p.a.held());
  }
  CHECK(p.claimable() == 0);
}
