#include "store_readiness.h"

#include <spdlog/spdlog.h>

namespace bridgebot::api {

StoreReadiness::StoreReadiness(store::Store& store, const core::Clock& clock,
                               std::chrono::milliseconds refresh)
    : store_(store), clock_(clock), refresh_(refresh) {}

std::optional<bool> StoreReadiness::cached() const {
  std::lock_guard lock(mutex_);
  if (!checked_at_ || std::chrono::steady_clock::now() - *checked_at_ >= refresh_) {
    return std::nullopt;
  }
  return writable_;
}

bool StoreReadiness::check() {
  if (auto fresh = cached()) return *fresh;
  std::lock_guard probing(probing_);
  if (auto fresh = cached()) return *fresh;  // the caller we waited for probed
  const bool writable = probe();
  std::lock_guard lock(mutex_);
  writable_ = writable;
  checked_at_ = std::chrono::steady_clock::now();
  return writable;
}

// One committed write: every process takes the lease as the same owner, so it is never refused
// for being held, and it is left to expire rather than released with a second write.
bool StoreReadiness::probe() {
  auto lease = store_.acquire_lease("readyz", "readyz", clock_.unix_seconds(), 5);
  if (!lease.ok()) {
    spdlog::warn("readyz: the store is not writable: {}", lease.error().to_string());
    return false;
  }
  return true;
}

}  // namespace bridgebot::api
