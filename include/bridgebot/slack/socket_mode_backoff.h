// The reconnect schedule of Socket Mode: jittered exponential backoff (backoff.h), capped, and
// back to the first step once a connection stayed healthy for `healthy_period`, so that a socket
// lost after hours reconnects at once instead of inheriting yesterday's long delay.
//
// Two kinds of setback: Slack refusing us (too_many_websockets, apps.connections.open or the
// handshake failing) climbs the whole schedule up to its cap; losing a socket Slack had accepted
// (a drop, a liveness timeout) never waits more than the third step, so a bot that just recovered
// from refusals does not stay deaf for the cap after a network blip.
//
// Pure (times and jitter come from the caller); not thread-safe: owned by the supervisor.
#pragma once

#include <chrono>
#include <optional>

#include "bridgebot/core/clock.h"
#include "bridgebot/slack/backoff.h"

namespace bridgebot::slack {

class ReconnectBackoff {
 public:
  ReconnectBackoff(BackoffPolicy policy, core::Clock::Duration healthy_period);

  // A connection said hello at `now`. The first hello after a failure starts the healthy period.
  void on_hello(core::Clock::TimePoint now);
  enum class Setback { refused, lost };
  // An attempt failed or a connection was lost at `now`: the delay before the next attempt.
  // `jitter` is uniform in [0, 1).
  std::chrono::milliseconds on_failure(core::Clock::TimePoint now, double jitter,
                                       Setback setback = Setback::refused);
  // Failures since the last reset.
  int failures() const { return failures_; }

 private:
  BackoffPolicy policy_;
  core::Clock::Duration healthy_period_;
  int failures_ = 0;
  std::optional<core::Clock::TimePoint> healthy_since_;
};

}  // namespace bridgebot::slack
