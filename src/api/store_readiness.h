// /readyz's store check, cached. Anonymous callers may ask as often as they like: the store sees at
// most one probe per refresh interval (a lease taken and given back, a real committed write), and
// a failure's detail (which names the database) goes to the log, never into the answer.
// Internal to src/api. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "bridgebot/core/clock.h"
#include "bridgebot/store/store.h"

namespace bridgebot::api {

class StoreReadiness {
 public:
  StoreReadiness(store::Store& store, const core::Clock& clock,
                 std::chrono::milliseconds refresh = std::chrono::seconds(5));

  // The last answer (true: writable) while it is fresh; nullopt when a probe is due.
  std::optional<bool> cached() const;
  // Probes the store when due and returns whether it is writable. Blocks on the store; callers
  // that come while one probes wait for its answer instead of probing again.
  bool check();

 private:
  bool probe();

  store::Store& store_;
  const core::Clock& clock_;
  const std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;  // guards the two fields below
  std::optional<std::chrono::steady_clock::time_point> checked_at_;
  bool writable_ = false;
  std::mutex probing_;  // held by the one caller probing
};

}  // namespace bridgebot::api
