// The reconnect schedule of Socket Mode.
#include "bridgebot/slack/socket_mode_backoff.h"

#include <catch2/catch.hpp>

using namespace bridgebot::slack;
using namespace std::chrono_literals;
using TimePoint = bridgebot::core::Clock::TimePoint;

TEST_CASE("reconnect backoff grows, is capped, and resets after a healthy period",
          "[socket_mode][backoff]") {
  ReconnectBackoff backoff({100ms, 2.0, 1'000ms}, 30s);
  TimePoint t{};
  // Jitter 0 gives the lower bound base/2.
  const std::chrono::milliseconds expected[] = {50ms, 100ms, 200ms, 400ms, 500ms, 500ms};
  for (auto delay : expected) CHECK(backoff.on_failure(t, 0.0) == delay);
  CHECK(backoff.failures() == 6);

  // A hello that does not last the healthy period keeps the schedule where it was.
  backoff.on_hello(t);
  CHECK(backoff.on_failure(t + 29s, 0.0) == 500ms);

  // One that lasts it starts over.
  backoff.on_hello(t + 30s);
  CHECK(backoff.on_failure(t + 60s, 0.0) == 50ms);
  CHECK(backoff.on_failure(t + 60s, 0.999) <= 200ms);
}

TEST_CASE("only the first hello after a failure starts the healthy period",
          "[socket_mode][backoff]") {
  ReconnectBackoff backoff({100ms, 2.0, 1'000ms}, 30s);
  TimePoint t{};
  (void)backoff.on_failure(t, 0.0);
  (void)backoff.on_failure(t, 0.0);
  backoff.on_hello(t);
  backoff.on_hello(t + 25s);  // a second connection's hello must not push the start back
  CHECK(backoff.on_failure(t + 30s, 0.0) == 50ms);
}

TEST_CASE("a lost socket waits at most the third step, however long Slack refused us before",
          "[socket_mode][backoff]") {
  using Setback = ReconnectBackoff::Setback;
  ReconnectBackoff backoff({1'000ms, 2.0, 12'000ms}, 60s);
  TimePoint t{};
  for (int i = 0; i < 6; ++i) (void)backoff.on_failure(t, 0.0, Setback::refused);
  CHECK(backoff.on_failure(t, 0.999, Setback::refused) <= 12'000ms);
  CHECK(backoff.on_failure(t, 0.999, Setback::refused) > 11'000ms);

  backoff.on_hello(t + 1s);
  CHECK(backoff.on_failure(t + 5s, 0.999, Setback::lost) <= 4'000ms);
  CHECK(backoff.on_failure(t + 5s, 0.0, Setback::refused) == 6'000ms);  // refusals still climb
}
