#include "bridgebot/slack/socket_mode_backoff.h"

namespace bridgebot::slack {

ReconnectBackoff::ReconnectBackoff(BackoffPolicy policy, core::Clock::Duration healthy_period)
    : policy_(policy), healthy_period_(healthy_period) {}

void ReconnectBackoff::on_hello(core::Clock::TimePoint now) {
  if (!healthy_since_) healthy_since_ = now;
}

std::chrono::milliseconds ReconnectBackoff::on_failure(core::Clock::TimePoint now, double jitter) {
  if (healthy_since_ && now - *healthy_since_ >= healthy_period_) failures_ = 0;
  healthy_since_.reset();
  return backoff_delay(policy_, failures_++, jitter);
}

}  // namespace bridgebot::slack
