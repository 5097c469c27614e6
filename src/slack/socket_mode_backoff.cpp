#include "bridgebot/slack/socket_mode_backoff.h"

#include <algorithm>

namespace bridgebot::slack {
namespace {

// A lost socket waits at most backoff step 2 (with the default policy: 2-4 s).
constexpr int kLostMaxStep = 2;

}  // namespace

ReconnectBackoff::ReconnectBackoff(BackoffPolicy policy, core::Clock::Duration healthy_period)
    : policy_(policy), healthy_period_(healthy_period) {}

void ReconnectBackoff::on_hello(core::Clock::TimePoint now) {
  if (!healthy_since_) healthy_since_ = now;
}

std::chrono::milliseconds ReconnectBackoff::on_failure(core::Clock::TimePoint now, double jitter,
                                                       Setback setback) {
  if (healthy_since_ && now - *healthy_since_ >= healthy_period_) failures_ = 0;
  healthy_since_.reset();
  const int step = setback == Setback::lost ? std::min(failures_, kLostMaxStep) : failures_;
  failures_++;
  return backoff_delay(policy_, step, jitter);
}

}  // namespace bridgebot::slack
