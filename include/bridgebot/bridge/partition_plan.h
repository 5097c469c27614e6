// Which delivery partitions a process should hold, decided from one look at the lease rows:
// pure functions, so that the rules are tested without a store (DeliveryPartitions does the I/O).
//
// Every live process announces itself with a member lease. Sorted by owner id, member i's share
// is partitions / members, plus one for the first partitions % members of them: the shares add
// up to the partitions, so once every member has its share, every partition has a holder. A
// member holding more than its share (a new replica appeared) gives the excess up; one holding
// less takes free partitions (never held, released, expired, or held by a process known dead).
#pragma once

#include <string>
#include <vector>

namespace bridgebot::bridge {

// What a process sees of the partition leases.
struct PartitionView {
  std::string self;                  // this process's owner id
  std::vector<std::string> members;  // live members' owner ids (self need not be listed yet)
  // Per partition: its live holder's owner id; "" when free (or held by a dead process).
  std::vector<std::string> holders;
  // Another live process holds the store-wide delivery lease (rotate-key, or a bridgebot from
  // before partitions): hold nothing.
  bool blocked = false;
};

struct PartitionPlan {
  int share = 0;             // how many partitions this process should hold
  std::vector<int> take;     // free partitions to try, best first (take at most `wanted`)
  int wanted = 0;            // how many more to take
  std::vector<int> give_up;  // held partitions beyond the share
};

// Member `rank` of `members` (0-based, by owner id) holds this many of `partitions`.
int fair_share(int partitions, int members, int rank);

PartitionPlan plan_partitions(const PartitionView& view);

}  // namespace bridgebot::bridge
