#include "bridgebot/bridge/retention.h"

#include <spdlog/spdlog.h>

namespace bridgebot::bridge {

Retention::Retention(store::Store& store, const core::Clock& clock, int days, int batch)
    : store_(store), clock_(clock), days_(days), batch_(batch) {}

Result<std::int64_t> Retention::run() {
  const store::UnixSeconds cutoff = clock_.unix_seconds() - std::int64_t{days_} * 24 * 3600;
  std::int64_t total = 0;
  while (true) {
    auto pruned = store_.prune_finished(cutoff, batch_);
    if (!pruned.ok()) return pruned.error();
    total += *pruned;
    if (*pruned < batch_) break;
  }
  if (total > 0) {
    spdlog::info("retention: deleted {} finished message(s)/notification(s) older than {} days",
                 total, days_);
  }
  return total;
}

}  // namespace bridgebot::bridge
