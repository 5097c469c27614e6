#include "bridgebot/bridge/delivery_lease.h"

#include <spdlog/spdlog.h>

namespace bridgebot::bridge {

DeliveryLease::DeliveryLease(store::Store& store, const core::Clock& clock, std::string owner,
                             std::chrono::seconds ttl, LeaseScope scope)
    : store_(store),
      clock_(clock),
      owner_(std::move(owner)),
      ttl_(ttl),
      scope_(std::move(scope)),
      self_(this_process()) {}

bool DeliveryLease::held() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  const auto pause = holding_ ? std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 3
                              : std::chrono::milliseconds(1000);
  if (last_try_ && now - *last_try_ < pause) return holding_;
  last_try_ = now;

  // acquire_lease also renews a lease this owner holds.
  auto acquired = store_.acquire_lease(scope_.name, owner_, clock_.unix_seconds(), ttl_.count());
  if (acquired.ok() && !*acquired && !holding_ && free_from_exited_holder()) {
    acquired = store_.acquire_lease(scope_.name, owner_, clock_.unix_seconds(), ttl_.count());
  }
  if (!acquired.ok()) {
    // Store trouble: keep delivering (or standing by) as before; the next try may succeed.
    spdlog::warn("{}: cannot renew the {} lease: {}", scope_.holder, scope_.name,
                 acquired.error().to_string());
    return holding_;
  }
  if (*acquired && !holding_ && !take_over()) return false;  // tried again in a second
  if (!*acquired && holding_) {
    spdlog::warn("{}: another process took the {} lease over; standing by", scope_.holder,
                 scope_.name);
  } else if (!*acquired && !standing_by_logged_) {
    spdlog::info(
        "{}: another bridgebot process holds the {} lease on this store (or one stopped less "
        "than {} s ago without handing over): standing by",
        scope_.holder, scope_.name, ttl_.count());
  }
  standing_by_logged_ = !*acquired;
  holding_ = *acquired;
  return holding_;
}

bool DeliveryLease::take_over() {
  auto recovered = scope_.recover(store_);
  if (!recovered.ok()) {
    spdlog::warn("{}: cannot take back the work left in flight: {}", scope_.holder,
                 recovered.error().to_string());
    return false;
  }
  if (*recovered > 0) {
    spdlog::info("{}: recovered {} item(s) left in flight by the previous run; doing them again",
                 scope_.holder, *recovered);
  }
  return true;
}

bool DeliveryLease::free_from_exited_holder() {
  auto rows = store_.list_leases(scope_.name);
  if (!rows.ok()) return false;
  for (const store::Lease& row : *rows) {
    if (row.name != scope_.name || row.owner == owner_) continue;
    if (!owner_has_exited(row.owner, self_, process_running)) return false;
    spdlog::info("{}: the {} lease was held by {}, which no longer runs: taking it now",
                 scope_.holder, scope_.name, row.owner);
    // Deletes only that owner's row: of several processes doing this, one acquires the lease.
    return store_.release_lease(scope_.name, row.owner).ok();
  }
  return false;
}

void DeliveryLease::release() {
  std::lock_guard lock(mutex_);
  if (!holding_) return;
  if (auto released = store_.release_lease(scope_.name, owner_); !released.ok()) {
    spdlog::warn("{}: cannot hand the {} lease over: {}", scope_.holder, scope_.name,
                 released.error().to_string());
  }
  holding_ = false;
  last_try_.reset();
}

}  // namespace bridgebot::bridge
