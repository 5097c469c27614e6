#include "bridgebot/bridge/retention.h"

#include <spdlog/spdlog.h>

namespace bridgebot::bridge {

Retention::Retention(store::Store& store, const core::Clock& clock, int days, int batch)
    : store_(store),
      clock_(clock),
      max_age_seconds_(std::int64_t{days} * 24 * 3600),
      batch_(batch) {}

Result<std::int64_t> Retention::run() {
  const store::UnixSeconds cutoff = clock_.unix_seconds() - max_age_seconds_;
  std::int64_t total = 0;
  while (true) {
    auto pruned = store_.prune_finished(cutoff, batch_);
    if (!pruned.ok()) return pruned.error();
    total += *pruned;
    if (*pruned < batch_) break;
  }
  if (total > 0) {
    spdlog::info("retention: deleted {} finished message(s)/notification(s) older than {} days",
                 total, max_age_seconds_ / (24 * 3600));
  }
  return total;
}

}  // namespace bridgebot::bridge
