// The Pacer: the one place that decides a Slack call's waits, sends and give-ups, whichever way
// it is driven (blocking or as a coroutine). Driven by hand here on a FakeClock.
#include <catch2/catch.hpp>

#include "../src/slack/pacer.h"
#include "bridgebot/slack/errors.h"

using namespace bridgebot;
using namespace std::chrono_literals;
using Kind = slack::Pacer::Step::Kind;

namespace {

Error told_to_wait(std::chrono::seconds retry_after) {
  return slack::map_api_failure({"chat.postMessage", 429, "rate_limited", "", "", retry_after});
}

struct Rig {
  core::FakeClock clock;
  slack::RateLimiter limiter{clock};
  slack::RetryPolicy policy;
  slack::WebApi::JitterSource jitter = [] { return 0.5; };
  slack::RateLimitKey key{"T1", "chat.postMessage", "C1"};

  slack::Pacer pacer() { return slack::Pacer(key, limiter, clock, policy, jitter); }
  // Follows waits (advancing the clock) until the pacer says send or give up.
  slack::Pacer::Step settle(slack::Pacer& pacer, slack::Pacer::Step step) {
    while (step.kind == Kind::wait) {
      clock.advance(step.wait);
      step = pacer.waited();
    }
    return step;
  }
};

}  // namespace

TEST_CASE("a 429 makes the pacer wait exactly Retry-After before sending again", "[slack][pacer]") {
  Rig rig;
  auto pacer = rig.pacer();
  REQUIRE(pacer.start().kind == Kind::send);
  const auto told_at = rig.clock.now();
  auto step = rig.settle(pacer, pacer.failed(told_to_wait(7s)));
  REQUIRE(step.kind == Kind::send);
  CHECK(rig.clock.now() - told_at == 7s);
}

TEST_CASE("a slot granted before another call's 429 is reserved again after the window",
          "[slack][pacer]") {
  Rig rig;
  // Use up the channel's burst: the next call waits for a slot.
  for (int i = 0; i < 3; ++i) REQUIRE(rig.limiter.reserve(rig.key).wait == 0s);
  auto waiting = rig.pacer();
  auto step = waiting.start();
  REQUIRE(step.kind == Kind::wait);
  // Meanwhile another call of this channel is told to wait 5 s.
  rig.limiter.block(rig.key, 5s);
  const auto told_at = rig.clock.now();
  rig.clock.advance(step.wait);
  step = rig.settle(waiting, waiting.waited());
  REQUIRE(step.kind == Kind::send);
  CHECK(rig.clock.now() - told_at >= 5s);
}

TEST_CASE("a Retry-After beyond the budget is handed back, not waited", "[slack][pacer]") {
  Rig rig;
  rig.policy.max_wait = 10s;
  auto pacer = rig.pacer();
  REQUIRE(pacer.start().kind == Kind::send);
  auto step = pacer.failed(told_to_wait(60s));
  REQUIRE(step.kind == Kind::give_up);
  CHECK(step.error->code == "rate_limited");
  REQUIRE(step.error->retry_after);
  CHECK(*step.error->retry_after == 60s);
  // The scope stays blocked for the others meanwhile.
  CHECK(rig.limiter.blocked_for(rig.key) == 60s);
}

TEST_CASE("sends stop at max_attempts with the last error", "[slack][pacer]") {
  Rig rig;
  rig.policy.max_attempts = 2;
  auto pacer = rig.pacer();
  REQUIRE(pacer.start().kind == Kind::send);
  auto step = rig.settle(pacer, pacer.failed(told_to_wait(1s)));
  REQUIRE(step.kind == Kind::send);
  step = pacer.failed(told_to_wait(1s));
  REQUIRE(step.kind == Kind::give_up);
  CHECK(step.error->code == "rate_limited");
}

TEST_CASE("a call does not leave while another of its channel awaits an answer that may be a 429",
          "[slack][pacer]") {
  Rig rig;
  auto first = rig.pacer();
  REQUIRE(first.start().kind == Kind::send);  // on the wire now

  // A second post to the same channel has a slot (the burst) but must not go yet.
  auto second = rig.pacer();
  auto step = second.start();
  REQUIRE(step.kind == Kind::wait);
  rig.clock.advance(step.wait);
  CHECK(second.waited().kind == Kind::wait);  // still waiting for the first one's answer

  // The answer is a 429: the second post now waits out the whole window.
  const auto told_at = rig.clock.now();
  REQUIRE(first.failed(told_to_wait(5s)).kind == Kind::wait);
  step = rig.settle(second, second.waited());
  REQUIRE(step.kind == Kind::send);
  CHECK(rig.clock.now() - told_at >= 5s);

  // Another channel was never held back.
  rig.key.channel = "C2";
  auto elsewhere = rig.pacer();
  CHECK(elsewhere.start().kind == Kind::send);
}

TEST_CASE("a call that ends gives its channel back to the next", "[slack][pacer]") {
  Rig rig;
  {
    auto sent = rig.pacer();
    REQUIRE(sent.start().kind == Kind::send);
  }  // answered 200: the call is over
  auto next = rig.pacer();
  CHECK(next.start().kind == Kind::send);
}
