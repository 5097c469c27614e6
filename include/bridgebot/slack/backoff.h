// When to try a failed Slack call again. Pure functions; the jitter comes from the caller.
#pragma once

#include <chrono>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::slack {

struct BackoffPolicy {
  std::chrono::milliseconds initial{500};
  double multiplier = 2.0;
  std::chrono::milliseconds max{30'000};
};

// The delay before retry number `retry` (0 for the first retry): base = min(max, initial *
// multiplier^retry), then jittered into [base/2, base] by `jitter` in [0, 1) ("equal jitter":
// spreads out clients that failed together but never retries almost at once).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int retry, double jitter);

enum class RetryKind {
  none,         // permanent, or repeating could act twice: hand the error to the caller
  after_limit,  // rate-limited: wait exactly error.retry_after, then repeat
  backoff,      // transient: wait backoff_delay(...), then repeat
};

// Whether a failed call of `method` may be repeated by the Web API client itself.
// connect_failed, dns_failed and queue_timeout (the timeout ran out while it waited for a
// connection) are always safe: nothing reached Slack. A 429 is always safe (Slack refused without
// acting). Timeouts, dropped connections, 5xx and Slack's transient codes only for idempotent
// methods, since Slack may have acted before the failure.
RetryKind retry_kind(std::string_view method, const Error& error);

}  // namespace bridgebot::slack
