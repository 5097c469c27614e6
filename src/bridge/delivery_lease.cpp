#include "bridgebot/bridge/delivery_lease.h"

#include <spdlog/spdlog.h>

namespace bridgebot::bridge {

DeliveryLease::DeliveryLease(store::Store& store, const core::Clock& clock, std::string owner,
                             std::chrono::seconds ttl)
    : store_(store), clock_(clock), owner_(std::move(owner)), ttl_(ttl) {}

bool DeliveryLease::held() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  const auto pause = holding_ ? std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 3
                              : std::chrono::milliseconds(1000);
  if (last_try_ && now - *last_try_ < pause) return holding_;
  last_try_ = now;

  // acquire_lease also renews a lease this owner holds.
  auto acquired =
      store_.acquire_lease(kDeliveryLeaseName, owner_, clock_.unix_seconds(), ttl_.count());
  if (!acquired.ok()) {
    // Store trouble: keep delivering (or standing by) as before; the next try may succeed.
    spdlog::warn("dispatcher: cannot renew the delivery lease: {}", acquired.error().to_string());
    return holding_;
  }
  if (*acquired && !holding_ && !take_over()) return false;  // tried again in a second
  if (!*acquired && holding_) {
    spdlog::warn("dispatcher: another process took the delivery lease over; standing by");
  } else if (!*acquired && !standing_by_logged_) {
    spdlog::info(
        "dispatcher: another bridgebot process delivers from this store (or one stopped less "
        "than {} s ago without handing over): standing by",
        ttl_.count());
  }
  standing_by_logged_ = !*acquired;
  holding_ = *acquired;
  return holding_;
}

bool DeliveryLease::take_over() {
  auto recovered = store_.recover_in_flight();
  if (!recovered.ok()) {
    spdlog::warn("dispatcher: cannot re-queue items left in flight: {}",
                 recovered.error().to_string());
    return false;
  }
  if (*recovered > 0) {
    spdlog::info("recovered {} item(s) left in flight by the previous run; delivering them again",
                 *recovered);
  }
  return true;
}

void DeliveryLease::release() {
  std::lock_guard lock(mutex_);
  if (!holding_) return;
  if (auto released = store_.release_lease(kDeliveryLeaseName, owner_); !released.ok()) {
    spdlog::warn("dispatcher: cannot hand the delivery lease over: {}",
                 released.error().to_string());
  }
  holding_ = false;
  last_try_.reset();
}

}  // namespace bridgebot::bridge
