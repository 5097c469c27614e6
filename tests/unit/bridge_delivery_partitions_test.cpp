// DeliveryPartitions over a real SQLite file opened by several "processes" (stores), on a fake
// clock: how the partitions are shared, taken over after a crash, fenced and given up.
#include <bitset>
#include <catch2/catch.hpp>
#include <memory>
#include <set>

#include "bridgebot/bridge/delivery_lease.h"
#include "bridgebot/bridge/delivery_partitions.h"
#include "bridgebot/store/sqlite_store.h"
#include "support/failing_store.h"
#include "support/store_seed.h"
#include "support/temp_dir.h"

using namespace bridgebot;
using namespace std::chrono_literals;

namespace {

std::size_t count(store::PartitionMask mask) {
  return std::bitset<32>(mask).count();
}

// One bridgebot process: its own store connection and its DeliveryPartitions.
struct Process {
  std::unique_ptr<store::FailingStore> store;
  std::unique_ptr<bridge::DeliveryPartitions> partitions;
};

struct Cluster {
  test::TempDir dir{"delivery_partitions"};
  core::FakeClock clock;
  std::set<std::string> exited;  // owners that has_exited() reports as gone

  Process process(const std::string& owner) {
    auto opened = store::open_sqlite_store(dir.file("bridge.db")).value();
    REQUIRE(test::record_installed(*opened, "T1"));
    Process p;
    p.store = std::make_unique<store::FailingStore>(std::move(opened));
    bridge::DeliveryPartitionsOptions options;
    options.owner = owner;
    options.ttl = 10s;
    options.has_exited = [this](std::string_view o) { return exited.count(std::string(o)) > 0; };
    p.partitions = std::make_unique<bridge::DeliveryPartitions>(*p.store, clock, options);
    return p;
  }

  // Accepts one message for T1 and returns its item's partition.
  int accept(store::Store& store, const std::string& id) {
    store::AcceptRequest request;
    request.source_id = id;
    request.team_id = "T1";
    request.items = {{"recipient", "U2", "{}", "", 0}};
    request.now = clock.unix_seconds();
    REQUIRE(store.accept(request).ok());
    auto probe = store.claim_due(clock.unix_seconds(), 10, "probe", store::kAllPartitions);
    REQUIRE(probe->size() == 1);
    const int partition = (*probe)[0].partition;
    REQUIRE(*store.recover_in_flight(store::kAllPartitions, "") == 1);
    return partition;
  }
};

}  // namespace

TEST_CASE("two processes on one store split the partitions, each held by one of them",
          "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  Process b = c.process("b");
  a.partitions->refresh();
  CHECK(a.partitions->claimable() == store::kAllPartitions);  // alone so far: everything
  b.partitions->refresh();
  CHECK(b.partitions->claimable() == 0);  // all held by a
  c.clock.advance(1s);
  a.partitions->refresh();  // sees b: gives its excess up (nothing in hand: at once)
  b.partitions->refresh();
  CHECK(count(a.partitions->claimable()) == 8);
  CHECK(count(b.partitions->claimable()) == 8);
  CHECK((a.partitions->claimable() & b.partitions->claimable()) == 0);
  CHECK((a.partitions->claimable() | b.partitions->claimable()) == store::kAllPartitions);
}

TEST_CASE(
    "a partition given up sends nothing more and is released once the items claimed from it are "
    "back",
    "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  Process b = c.process("b");
  a.partitions->refresh();
  const int partition = c.accept(*a.store, "msg-1");
  a.partitions->claimed(partition);
  b.partitions->refresh();
  for (int round = 0; round < 3; ++round) {
    c.clock.advance(1s);
    a.partitions->refresh();
    b.partitions->refresh();
  }
  // a gave up 8 partitions; the one with an item in hand is still a's, so b holds 7 for now.
  // a sends nothing more from it: the item goes back unsent, for b to send once it is released.
  CHECK(count(b.partitions->claimable()) + count(a.partitions->claimable()) == 15);
  CHECK_FALSE(a.partitions->may_deliver(partition));
  a.partitions->finished(partition);
  c.clock.advance(1s);
  a.partitions->refresh();
  b.partitions->refresh();
  CHECK(count(a.partitions->claimable()) == 8);
  CHECK(count(b.partitions->claimable()) == 8);
}

TEST_CASE(
    "a crashed process's partitions are taken over after the ttl, its items re-queued and "
    "its late outcomes refused",
    "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  Process b = c.process("b");
  a.partitions->refresh();
  const int partition = c.accept(*a.store, "msg-1");
  auto claimed = a.store->claim_due(c.clock.unix_seconds(), 10, "a", a.partitions->claimable());
  REQUIRE(claimed->size() == 1);
  // a stops renewing (it hangs or was killed). b waits for the leases to expire.
  b.partitions->refresh();
  c.clock.advance(5s);
  b.partitions->refresh();
  CHECK(b.partitions->claimable() == 0);
  c.clock.advance(6s);
  b.partitions->refresh();
  CHECK(b.partitions->claimable() == store::kAllPartitions);
  auto again = b.store->claim_due(c.clock.unix_seconds(), 10, "b", b.partitions->claimable());
  REQUIRE(again->size() == 1);  // re-queued by the takeover
  CHECK((*again)[0].partition == partition);
  // a wakes up: nothing it had in flight may be sent or recorded any more.
  CHECK_FALSE(a.partitions->may_deliver(partition));
  CHECK(a.store->complete((*claimed)[0].item_id, "a", store::ItemStatus::delivered, "", {})
            .error()
            .code == "conflict");
  CHECK(b.store->complete((*again)[0].item_id, "b", store::ItemStatus::delivered, "", {}).ok());
}

TEST_CASE("a process whose renewals fail stops delivering before anyone may take over",
          "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  a.partitions->refresh();
  REQUIRE(a.partitions->may_deliver(0));
  a.store->fail_leases(100);  // the store stops answering renewals
  for (int s = 1; s <= 7; ++s) {
    c.clock.advance(1s);
    a.partitions->refresh();
  }
  CHECK(a.partitions->may_deliver(0));  // 7 s after the last renewal: still fresh
  c.clock.advance(1s);
  a.partitions->refresh();
  // 8 s: the ttl (10 s) less a margin has passed, so a stopped before its leases expired.
  CHECK_FALSE(a.partitions->may_deliver(0));
  CHECK(a.partitions->claimable() == 0);
}

TEST_CASE("the leases of a process of this machine that has exited are taken over at once",
          "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("host/m/111/aaaa");
  a.partitions->refresh();
  const int partition = c.accept(*a.store, "msg-1");
  REQUIRE(a.store->claim_due(c.clock.unix_seconds(), 10, "host/m/111/aaaa", store::kAllPartitions)
              ->size() == 1);
  // kill -9, restart: the new process finds its predecessor's pid gone.
  c.exited.insert("host/m/111/aaaa");
  Process restarted = c.process("host/m/222/bbbb");
  restarted.partitions->refresh();
  CHECK(restarted.partitions->claimable() == store::kAllPartitions);
  CHECK(restarted.store
            ->claim_due(c.clock.unix_seconds(), 10, "host/m/222/bbbb",
                        store::PartitionMask{1} << partition)
            ->size() == 1);
}

TEST_CASE("a live process's partitions are never taken early, whoever asks",
          "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("host/m/111/aaaa");
  Process b = c.process("host/m/222/bbbb");
  a.partitions->refresh();
  b.partitions->refresh();
  CHECK(b.partitions->claimable() == 0);  // a runs (has_exited says no): b waits for a's share
}

TEST_CASE("rotate-key's store-wide lease makes delivering processes give everything up",
          "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  a.partitions->refresh();
  REQUIRE(a.partitions->claimable() == store::kAllPartitions);
  // rotate-key takes the lease, then finds a delivering and would refuse.
  auto delivering = bridge::delivering_processes(*a.store, c.clock.unix_seconds());
  CHECK(*delivering == std::vector<std::string>{"a"});
  REQUIRE(*a.store->acquire_lease(bridge::kDeliveryLeaseName, "rotate-key", c.clock.unix_seconds(),
                                  300));
  c.clock.advance(1s);
  a.partitions->refresh();
  CHECK(a.partitions->claimable() == 0);
  REQUIRE(a.store->release_lease(bridge::kDeliveryLeaseName, "rotate-key").ok());
  c.clock.advance(1s);
  a.partitions->refresh();
  CHECK(a.partitions->claimable() == store::kAllPartitions);
}

TEST_CASE("a clean stop hands every partition over at once", "[bridge][partitions]") {
  Cluster c;
  Process a = c.process("a");
  Process b = c.process("b");
  a.partitions->refresh();
  b.partitions->refresh();
  a.partitions->stop();
  CHECK(a.partitions->claimable() == 0);
  b.partitions->refresh();
  CHECK(b.partitions->claimable() == store::kAllPartitions);
  CHECK(*bridge::delivering_processes(*b.store, c.clock.unix_seconds()) ==
        std::vector<std::string>{"b"});
}

TEST_CASE("the member rows of processes that are gone are cleaned up", "[bridge][partitions]") {
  Cluster c;
  Process crashed = c.process("crashed");
  crashed.partitions->refresh();
  c.clock.advance(11s);  // it never renewed again
  Process a = c.process("a");
  a.partitions->refresh();
  auto members = a.store->list_leases(bridge::kMemberLeasePrefix);
  REQUIRE(members.ok());
  REQUIRE(members->size() == 1);
  CHECK(members->front().owner == "a");
}
