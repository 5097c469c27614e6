#include "bridgebot/slack/backoff.h"

#include <algorithm>
#include <cmath>

#include "bridgebot/slack/errors.h"
#include "bridgebot/slack/methods.h"

namespace bridgebot::slack {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int retry, double jitter) {
  const double max_ms = static_cast<double>(policy.max.count());
  const double grown = static_cast<double>(policy.initial.count()) *
                       std::pow(policy.multiplier, static_cast<double>(std::max(retry, 0)));
  const double base = std::min(max_ms, grown);
  const double unit = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(base * (0.5 + 0.5 * unit)));
}

RetryKind retry_kind(std::string_view method, const Error& error) {
  if (error.retry_after || is_rate_limited(error.code)) return RetryKind::after_limit;
  if (!error.transient) return RetryKind::none;
  if (error.code == "connect_failed" || error.code == "dns_failed" ||
      error.code == "queue_timeout") {
    return RetryKind::backoff;
  }
  return method_info(method).idempotent ? RetryKind::backoff : RetryKind::none;
}

}  // namespace bridgebot::slack
