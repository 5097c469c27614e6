#include "pacer.h"

#include <algorithm>
#include <string>

#include "bridgebot/slack/backoff.h"

namespace bridgebot::slack {
namespace {

using std::chrono::milliseconds;

// How often a call whose scope is busy (another call's answer is awaited) looks again.
constexpr milliseconds kScopeBusyRetry{5};

// Our own pacing refused to wait that long: shaped like Slack's rate-limit error so callers
// handle both alike. `sent`: the call went out before (and got a 429 or failed).
Error paced_out(const RateLimitKey& key, core::Clock::Duration wait, bool sent) {
  auto ms = std::chrono::ceil<milliseconds>(wait);
  Error e =
      make_error("ratelimited",
                 "bridgebot paces " + key.method + " to stay within Slack's limits: next slot in " +
                     std::to_string((ms.count() + 999) / 1000) + " s",
                 true);
  e.retry_after = ms;
  e.not_attempted = !sent;
  return e;
}

}  // namespace

Pacer::Pacer(RateLimitKey key, RateLimiter& limiter, const core::Clock& clock,
             const RetryPolicy& policy, const WebApi::JitterSource& jitter)
    : key_(std::move(key)),
      limiter_(limiter),
      clock_(clock),
      policy_(policy),
      jitter_(jitter),
      deadline_(clock.now() + policy.max_wait) {}

Pacer::~Pacer() {
  release_scope();
}

void Pacer::release_scope() {
  if (holds_scope_) limiter_.end_send(key_);
  holds_scope_ = false;
}

Pacer::Step Pacer::start() {
  return reserve();
}

Pacer::Step Pacer::waited() {
  return phase_ == Phase::backoff ? reserve() : after_slot();
}

Pacer::Step Pacer::failed(const Error& error) {
  const RetryKind kind = retry_kind(key_.method, error);
  if (kind == RetryKind::after_limit) {
    // The limiter now holds back this scope; the next reserve() waits out Retry-After exactly.
    limiter_.block(key_, error.retry_after.value_or(std::chrono::seconds(60)));
  }
  release_scope();  // after block(): the scope's next call sees the window
  if (kind == RetryKind::none || attempt_ >= policy_.max_attempts) return give_up(error);
  ++attempt_;
  if (kind == RetryKind::after_limit) {
    if (!error.retry_after || *error.retry_after > budget()) return give_up(error);
    return reserve();
  }
  const auto delay = backoff_delay(policy_.backoff, backoff_retries_++, jitter_());
  if (delay > budget()) return give_up(error);
  phase_ = Phase::backoff;
  return wait_for(delay);
}

Pacer::Step Pacer::reserve() {
  Reservation slot = limiter_.reserve(key_, budget());
  if (!slot.granted) return give_up(paced_out(key_, slot.wait, sent_));
  phase_ = Phase::slot;
  if (slot.wait > core::Clock::Duration::zero()) return wait_for(slot.wait);
  return after_slot();
}

Pacer::Step Pacer::after_slot() {
  // A Retry-After told to another call of this scope while we waited for our slot voids the
  // slot: Slack's window outranks it, and a fresh slot after the window keeps the calls that
  // were waiting spaced out instead of all going at the window's end.
  const RateLimiter::SendCheck check = limiter_.try_begin_send(key_);
  if (check == RateLimiter::SendCheck::blocked) return reserve();
  if (check == RateLimiter::SendCheck::busy) {
    phase_ = Phase::scope;  // keeps the slot: looks again once the other call's answer is in
    return wait_for(kScopeBusyRetry);
  }
  holds_scope_ = true;
  sent_ = true;
  return {};
}

core::Clock::Duration Pacer::budget() const {
  return std::max(deadline_ - clock_.now(), core::Clock::Duration::zero());
}

Pacer::Step Pacer::wait_for(core::Clock::Duration wait) {
  Step step;
  step.kind = Step::Kind::wait;
  step.wait = wait;
  return step;
}

Pacer::Step Pacer::give_up(Error error) {
  Step step;
  step.kind = Step::Kind::give_up;
  step.error = std::move(error);
  return step;
}

}  // namespace bridgebot::slack
