// Retention of accepted messages and notifications: once a source's delivery has finished and it
// is older than the configured number of days, it is deleted with its outbox items and
// deliveries, so that a bot left running for years keeps a store of bounded size. The
// idempotency window is the retention: an id sent again after that is a new message.
#pragma once

#include <chrono>
#include <cstdint>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

class Retention {
 public:
  // `days` > 0. Deletes in batches of `batch` sources, one short write transaction each, so
  // that accepting never waits long behind a large clean-up.
  Retention(store::Store& store, const core::Clock& clock, int days, int batch = 500);

  // Deletes every finished source older than the retention; returns how many.
  Result<std::int64_t> run();

 private:
  store::Store& store_;
  const core::Clock& clock_;
  const int days_;
  const int batch_;
};

}  // namespace bridgebot::bridge
