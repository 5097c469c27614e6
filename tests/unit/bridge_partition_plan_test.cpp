// plan_partitions: which delivery partitions a process holds, from one look at the leases.
#include <catch2/catch.hpp>
#include <map>

#include "bridgebot/bridge/partition_plan.h"

using namespace bridgebot::bridge;

namespace {

constexpr int kCount = 16;

// Runs rounds of every member planning from the same view and acting on it (giving up at once,
// then taking what the plan wants) until nothing changes; returns partitions per member.
std::map<std::string, int> settle(const std::vector<std::string>& members,
                                  std::vector<std::string>& holders) {
  for (int round = 0; round < 10; ++round) {
    bool changed = false;
    for (const auto& member : members) {
      const PartitionPlan plan = plan_partitions({member, members, holders, false});
      for (int p : plan.give_up) holders[static_cast<std::size_t>(p)] = "", changed = true;
      for (int i = 0; i < plan.wanted && i < static_cast<int>(plan.take.size()); ++i) {
        holders[static_cast<std::size_t>(plan.take[static_cast<std::size_t>(i)])] = member;
        changed = true;
      }
    }
    if (!changed) break;
  }
  std::map<std::string, int> held;
  for (const auto& holder : holders) ++held[holder];
  return held;
}

}  // namespace

TEST_CASE("fair shares add up to every partition", "[bridge][partitions]") {
  for (int members = 1; members <= 20; ++members) {
    int total = 0;
    for (int rank = 0; rank < members; ++rank) {
      const int share = fair_share(kCount, members, rank);
      CHECK(share >= kCount / members);
      CHECK(share <= kCount / members + 1);
      total += share;
    }
    CHECK(total == kCount);
  }
}

TEST_CASE("a lone process takes every partition", "[bridge][partitions]") {
  const PartitionPlan plan = plan_partitions({"a", {}, std::vector<std::string>(kCount), false});
  CHECK(plan.share == kCount);
  CHECK(plan.wanted == kCount);
  CHECK(plan.take.size() == kCount);
  CHECK(plan.give_up.empty());
}

TEST_CASE("three processes split sixteen partitions 6/5/5, each held once",
          "[bridge][partitions]") {
  std::vector<std::string> holders(kCount);
  const auto held = settle({"a", "b", "c"}, holders);
  CHECK(held.count("") == 0);  // every partition has a holder
  CHECK(held.at("a") == 6);
  CHECK(held.at("b") == 5);
  CHECK(held.at("c") == 5);
}

TEST_CASE("a process that joins gets a share from the others, who give up only their excess",
          "[bridge][partitions]") {
  std::vector<std::string> holders(kCount);
  settle({"a", "b"}, holders);
  const auto before = holders;
  const auto held = settle({"a", "b", "c"}, holders);
  CHECK(held.at("c") == 5);
  CHECK(held.count("") == 0);
  int moved = 0;
  for (int p = 0; p < kCount; ++p) {
    if (before[static_cast<std::size_t>(p)] != holders[static_cast<std::size_t>(p)]) ++moved;
  }
  CHECK(moved == 5);  // only what c holds now changed hands
}

TEST_CASE("when a process is gone, the survivors take its partitions over",
          "[bridge][partitions]") {
  std::vector<std::string> holders(kCount);
  settle({"a", "b", "c"}, holders);
  for (auto& holder : holders) {
    if (holder == "b") holder = "";  // b's leases expired (or b was found dead)
  }
  const auto held = settle({"a", "c"}, holders);
  CHECK(held.count("") == 0);
  CHECK(held.at("a") == 8);
  CHECK(held.at("c") == 8);
}

TEST_CASE("a partition another live process holds is never taken", "[bridge][partitions]") {
  std::vector<std::string> holders(kCount, "b");
  holders[3] = "";
  // b holds 15 although the share is 8: a must wait for b to give them up, taking only free ones.
  const PartitionPlan plan = plan_partitions({"a", {"a", "b"}, holders, false});
  CHECK(plan.take == std::vector<int>{3});
  const PartitionPlan b = plan_partitions({"b", {"a", "b"}, holders, false});
  CHECK(b.give_up.size() == 7);
}

TEST_CASE("while another process holds the store-wide lease, everything is given up",
          "[bridge][partitions]") {
  std::vector<std::string> holders(kCount, "a");
  const PartitionPlan plan = plan_partitions({"a", {"a"}, holders, true});
  CHECK(plan.share == 0);
  CHECK(plan.give_up.size() == kCount);
  CHECK(plan.wanted == 0);
  CHECK(plan.take.empty());
}

TEST_CASE("a process that does not see itself among the members yet still counts itself",
          "[bridge][partitions]") {
  const PartitionPlan plan = plan_partitions({"b", {"a"}, std::vector<std::string>(kCount), false});
  CHECK(plan.share == 8);
}
