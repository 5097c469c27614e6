// The delivery leases of one process: which of the outbox's partitions (store::kDeliveryPartitions,
// by workspace) this process delivers, shared fairly among the live bridgebot processes on one
// store (partition_plan.h), each partition held by at most one of them at a time.
//
// Lease rows: "delivery-member:<owner>" announces a live process; "delivery:<n>" is partition n.
// Every `tick` (on its own thread once started) the process renews all its leases in one write,
// reads the rows, then gives up partitions beyond its share (it sends nothing more from them and
// releases them once the items it claimed are back in the store) and takes free ones. Taking
// partition n over re-queues the items another process left in flight there
// (Store::recover_in_flight), so nothing is stranded by a crash.
//
// A partition is delivered from only while its renewal is fresh: until the last successful
// renewal + ttl - margin. A process whose store writes stall (or which is paused) stops before
// another one may take the lease over, and its late outcomes are refused by the store (fenced
// by owner). A lease whose owner id names a process of this machine that no longer runs
// (lease_owner.h: kill -9 and restart) is taken over at once, not after its ttl.
//
// The store-wide lease "delivery" (kDeliveryLeaseName) held by another process (rotate-key)
// makes every process give its partitions up; this one checks it after announcing itself, and
// rotate-key checks for members after taking it, so one of the two always sees the other.
//
// Thread-safe: workers call claimable(), may_deliver(), claimed() and finished() at any time.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/bridge/lease_owner.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

inline constexpr const char* kPartitionLeasePrefix = "delivery:";
inline constexpr const char* kMemberLeasePrefix = "delivery-member:";

struct DeliveryPartitionsOptions {
  std::string owner;  // this process's lease owner id (make_lease_owner)
  std::chrono::seconds ttl{8};
  std::chrono::milliseconds tick{1000};
  // Called (on the refreshing thread) when partitions were taken: wake the workers.
  std::function<void()> on_gained;
  // Whether a lease owner is a process of this machine that has exited; default: lease_owner.h
  // for this process. Tests replace it.
  std::function<bool(std::string_view owner)> has_exited;
};

// The owner ids of the bridgebot processes delivering from `store` now: live member leases, less
// those of processes of this machine that have exited. For rotate-key, after it took
// kDeliveryLeaseName.
Result<std::vector<std::string>> delivering_processes(store::Store& store, store::UnixSeconds now);

class DeliveryPartitions {
 public:
  DeliveryPartitions(store::Store& store, const core::Clock& clock,
                     DeliveryPartitionsOptions options);
  ~DeliveryPartitions();
  DeliveryPartitions(const DeliveryPartitions&) = delete;
  DeliveryPartitions& operator=(const DeliveryPartitions&) = delete;

  // Runs a first refresh now, then one every tick on a thread of its own.
  void start();
  // Stops the thread and releases every lease (a clean hand-over). Idempotent.
  void stop();
  // One round: renew, look, give up, take. The timer's work; without start() (tests, one-shot
  // runs) refresh_when_due() calls it.
  void refresh();
  // refresh() when no timer runs and a tick has passed since the last round.
  void refresh_when_due();

  // The partitions to claim new work from now: held, fresh, not being given up.
  store::PartitionMask claimable() const;
  // Whether an item of `partition` claimed earlier may be sent now: held, fresh and not being
  // given up (what has not gone out yet then goes back to the queue for the next owner).
  bool may_deliver(int partition) const;
  // Items claimed from / finished in `partition`: a partition being given up is released once
  // none of its items are in this process's hands.
  void claimed(int partition, int count = 1);
  void finished(int partition, int count = 1);

  const std::string& owner() const { return options_.owner; }

 private:
  struct Held {
    bool held = false;
    core::Clock::TimePoint fresh_until{};                   // renewal + ttl - margin
    std::optional<core::Clock::TimePoint> giving_up_since;  // stopped claiming then
    int in_hand = 0;                                        // claimed, not finished
  };

  // Renews every lease; returns whether the store answered (then the held set is updated).
  bool renew(core::Clock::TimePoint round_start);
  // Takes a free partition; false when another process was quicker or the store failed.
  bool take(int partition, const std::string& exited_holder, core::Clock::TimePoint round_start,
            store::UnixSeconds now);
  void release(int partition);
  bool fresh(const Held& partition, core::Clock::TimePoint now) const;
  bool held(int partition) const;

  store::Store& store_;
  const core::Clock& clock_;
  DeliveryPartitionsOptions options_;
  const std::chrono::milliseconds margin_;
  const std::string member_lease_;

  std::mutex refresh_mutex_;  // one round at a time
  std::optional<core::Clock::TimePoint> last_round_;
  bool blocked_logged_ = false;

  mutable std::mutex mutex_;  // guards partitions_ and the timer fields
  std::array<Held, store::kDeliveryPartitions> partitions_{};
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace bridgebot::bridge
