// Single-flight work across processes sharing one store (the events inbox): the holder of a
// store lease does the work; the others stand by and take over within `ttl` of the holder
// stopping or crashing. Whoever takes the lease over first recovers what was left in flight
// (LeaseScope::recover), so no piece of work is done by two live processes at once and none is
// stranded by a crash. (Delivery is shared by partitions instead: delivery_partitions.h.) A
// lease whose owner id names a process of this machine that has exited (lease_owner.h) is taken
// over at once, so a restart after kill -9 does not wait for the ttl.
//
// Thread-safe: every worker asks held() before claiming. The store is written at most once per
// ttl / 3 while holding (renewal) and once a second while standing by.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "bridgebot/bridge/lease_owner.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

// The store-wide delivery lease: offline commands that must not run beside a live bot
// (rotate-key) hold it, and delivering processes give their partitions up while another holds it
// (delivery_partitions.h). Partition and member leases are named with it as their prefix.
inline constexpr const char* kDeliveryLeaseName = "delivery";
// The store lease of the process that handles Slack events from the inbox (EventInbox).
inline constexpr const char* kEventsLeaseName = "events";

// Which work a lease guards: its name in the store, who holds it (for logs) and what taking it
// over recovers from a holder that crashed.
struct LeaseScope {
  std::string name;
  std::string holder;
  std::function<Result<std::int64_t>(store::Store&)> recover;
};

class DeliveryLease {
 public:
  DeliveryLease(store::Store& store, const core::Clock& clock, std::string owner,
                std::chrono::seconds ttl, LeaseScope scope);

  // Whether this dispatcher may claim work now; renews or takes the lease when due.
  bool held();
  // Gives the lease up (a clean stop), so that a standby takes over at once.
  void release();

 private:
  // Takes the lease over: re-queues the items the previous holder left in flight. false when
  // the store refused (then the lease is not used until a later try succeeds).
  bool take_over();
  // Frees the lease when its holder is a process of this machine that has exited; whether it
  // did.
  bool free_from_exited_holder();

  store::Store& store_;
  const core::Clock& clock_;
  const std::string owner_;
  const std::chrono::seconds ttl_;
  const LeaseScope scope_;
  const ProcessIdentity self_;
  std::mutex mutex_;  // guards the fields below
  bool holding_ = false;
  bool standing_by_logged_ = false;
  std::optional<core::Clock::TimePoint> last_try_;
};

}  // namespace bridgebot::bridge
