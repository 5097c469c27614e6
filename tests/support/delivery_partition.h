// The store's delivery-partition rule (delivery_partition_of in bridgebot/store/types.h) again, for
// tests and benches that need workspaces in chosen partitions; unit_store checks that the two
// agree. For ASCII team ids of four characters or more (all Slack's are).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/store/types.h"

namespace bridgebot::test {

inline int delivery_partition_of(std::string_view team_id) {
  const int weights[] = {1, 7, 11, 13};
  int sum = 0;
  for (std::size_t k = 0; k < 4 && k < team_id.size(); ++k) {
    sum += weights[k] * static_cast<unsigned char>(team_id[team_id.size() - 1 - k]);
  }
  return sum % store::kDeliveryPartitions;
}

// `per_partition` team ids "<prefix><n>" in each partition, partition by partition.
inline std::vector<std::string> teams_in_every_partition(const std::string& prefix,
                                                         int per_partition = 1) {
  std::vector<std::vector<std::string>> found(store::kDeliveryPartitions);
  std::vector<std::string> teams;
  for (int n = 1000; static_cast<int>(teams.size()) < store::kDeliveryPartitions * per_partition;
       ++n) {
    const std::string team = prefix + std::to_string(n);
    auto& bucket = found[static_cast<std::size_t>(delivery_partition_of(team))];
    if (static_cast<int>(bucket.size()) < per_partition) {
      bucket.push_back(team);
      teams.push_back(team);
    }
  }
  return teams;
}

}  // namespace bridgebot::test
