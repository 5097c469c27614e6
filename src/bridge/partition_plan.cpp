#include "bridgebot/bridge/partition_plan.h"

#include <algorithm>

namespace bridgebot::bridge {

int fair_share(int partitions, int members, int rank) {
  if (members <= 0) return partitions;
  return partitions / members + (rank < partitions % members ? 1 : 0);
}

PartitionPlan plan_partitions(const PartitionView& view) {
  std::vector<std::string> members = view.members;
  members.push_back(view.self);
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  const int count = static_cast<int>(view.holders.size());
  const int rank =
      static_cast<int>(std::find(members.begin(), members.end(), view.self) - members.begin());

  PartitionPlan plan;
  plan.share = view.blocked ? 0 : fair_share(count, static_cast<int>(members.size()), rank);
  // Each member looks at the partitions from its own starting point, so that members taking
  // free partitions at the same moment mostly try different ones.
  const int start = members.empty() ? 0 : rank * count / static_cast<int>(members.size());
  std::vector<int> held;
  for (int i = 0; i < count; ++i) {
    const int p = (start + i) % std::max(count, 1);
    const std::string& holder = view.holders[static_cast<std::size_t>(p)];
    if (holder == view.self) {
      held.push_back(p);
    } else if (holder.empty()) {
      plan.take.push_back(p);
    }
  }
  const int holding = static_cast<int>(held.size());
  if (holding > plan.share) {
    // The last ones from this member's starting point: the ones the next member looks at first.
    plan.give_up.assign(held.begin() + plan.share, held.end());
    std::sort(plan.give_up.begin(), plan.give_up.end());
  }
  plan.wanted = std::max(0, plan.share - holding);
  if (plan.wanted == 0) plan.take.clear();
  return plan;
}

}  // namespace bridgebot::bridge
