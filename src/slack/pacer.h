// The pacing and retry decisions of one Slack call, as a state machine that does no waiting and
// no I/O itself: ApiTransport drives it blocking (sleeping through waits) and as a coroutine
// (awaiting an executor timer), so both keep one and the same Retry-After and rate-limit logic.
//
//   Pacer pacer(...);
//   for (Step step = pacer.start();;) {
//     wait:    pause step.wait, then step = pacer.waited();
//     send:    check the team gate, send; success ends the call, else step = pacer.failed(error);
//     give_up: the call ends with step.error.
//   }
//
// A send step holds the call's rate-limit scope (RateLimiter::try_begin_send) until failed() or
// the Pacer's end: one call of a scope on the wire at a time, so a 429 is known before the
// scope's next call leaves. While another call holds it, the Pacer waits in short steps.
//
// Every pause of a call (limiter slots, Retry-After, backoff) comes out of one budget,
// RetryPolicy::max_wait; a pause that would overrun it is not taken (a call refused a slot before
// its first send ends with Error::not_attempted set). A 429 blocks the limited
// scope in the RateLimiter, so the next reservation waits out Retry-After exactly, and a slot
// granted before another call's 429 is reserved again after the window (try_begin_send). Private to
// src/slack; one Pacer per call, used by one thread at a time.
#pragma once

#include <optional>

#include "bridgebot/core/clock.h"
#include "bridgebot/core/result.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"

namespace bridgebot::slack {

class Pacer {
 public:
  struct Step {
    enum class Kind { wait, send, give_up };
    Kind kind = Kind::send;
    core::Clock::Duration wait{};  // Kind::wait
    std::optional<Error> error;    // Kind::give_up
  };

  Pacer(RateLimitKey key, RateLimiter& limiter, const core::Clock& clock, const RetryPolicy& policy,
        const WebApi::JitterSource& jitter);
  // Gives the scope back if a send step still holds it (the call ended: sent, or refused by
  // the gate).
  ~Pacer();
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  Step start();
  // The wait of the last Step has passed.
  Step waited();
  // The send failed with `error` (a success ends the call: nothing to tell).
  Step failed(const Error& error);

  const RateLimitKey& key() const { return key_; }

 private:
  enum class Phase { slot, scope, backoff };

  Step reserve();
  Step after_slot();
  void release_scope();
  core::Clock::Duration budget() const;
  static Step wait_for(core::Clock::Duration wait);
  static Step give_up(Error error);

  const RateLimitKey key_;
  RateLimiter& limiter_;
  const core::Clock& clock_;
  const RetryPolicy& policy_;
  const WebApi::JitterSource& jitter_;
  const core::Clock::TimePoint deadline_;
  Phase phase_ = Phase::slot;  // what the current wait is for
  int attempt_ = 1;            // sends so far, this one included
  int backoff_retries_ = 0;
  bool holds_scope_ = false;  // between a send step and its outcome
  bool sent_ = false;         // a send step was handed out
};

}  // namespace bridgebot::slack
