// The RateLimiter's schedule per tier, per channel and after a 429, on a FakeClock.
#include <catch2/catch.hpp>

#include "bridgebot/slack/rate_limiter.h"

using bridgebot::core::FakeClock;
using bridgebot::slack::RateLimiter;
using bridgebot::slack::RateLimitKey;
using namespace std::chrono_literals;
using Duration = bridgebot::core::Clock::Duration;

namespace {

// The waits handed out to `n` callers reserving at the same instant.
std::vector<Duration> waits(RateLimiter& limiter, const RateLimitKey& key, int n) {
  std::vector<Duration> out;
  for (int i = 0; i < n; ++i) {
    auto slot = limiter.reserve(key);
    REQUIRE(slot.granted);
    out.push_back(slot.wait);
  }
  return out;
}

}  // namespace

TEST_CASE("each tier allows its burst, then its per-minute rate", "[slack][rate_limiter]") {
  struct Row {
    const char* method;
    int burst;
    Duration interval;
  };
  const Row rows[] = {
      {"apps.connections.open", 5, 1200ms},  // Tier 3 in Slack's current reference
      {"users.list", 3, 3s},                 // Tier 2: 20/min
      {"users.lookupByEmail", 5, 1200ms},    // Tier 3: 50/min
      {"users.info", 10, 600ms},             // Tier 4: 100/min
  };
  for (const auto& row : rows) {
    INFO(row.method);
    FakeClock clock;
    RateLimiter limiter(clock);
    auto w = waits(limiter, {"T1", row.method, ""}, row.burst + 2);
    for (int i = 0; i < row.burst; ++i) CHECK(w[i] == 0s);
    CHECK(w[row.burst] == row.interval);
    CHECK(w[row.burst + 1] == 2 * row.interval);
  }
}

TEST_CASE("a drained bucket refills at its rate", "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  RateLimitKey key{"T1", "users.list", ""};
  waits(limiter, key, 3);
  CHECK(limiter.reserve(key).wait == 3s);  // slot at +3 s is now taken

  clock.advance(60s);  // idle long enough to refill the whole burst
  auto w = waits(limiter, key, 4);
  CHECK(w == std::vector<Duration>{0s, 0s, 0s, 3s});
}

TEST_CASE("buckets are per workspace and per method", "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  waits(limiter, {"T1", "users.list", ""}, 3);
  CHECK(limiter.reserve({"T1", "users.list", ""}).wait > 0s);
  CHECK(limiter.reserve({"T2", "users.list", ""}).wait == 0s);
  CHECK(limiter.reserve({"T1", "users.info", ""}).wait == 0s);
}

TEST_CASE("chat.postMessage is paced per channel at one per second after a short burst",
          "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  auto c1 = waits(limiter, {"T1", "chat.postMessage", "C1"}, 5);
  CHECK(c1 == std::vector<Duration>{0s, 0s, 0s, 1s, 2s});
  // Another channel of the same workspace is not held back by C1.
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C2"}).wait == 0s);
}

TEST_CASE("chat.postMessage also spends a workspace-wide budget", "[slack][rate_limiter]") {
  FakeClock clock;
  bridgebot::slack::RateLimiterOptions options;
  options.post_message_per_team = {500ms, 2};
  RateLimiter limiter(clock, options);
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C1"}).wait == 0s);
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C2"}).wait == 0s);
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C3"}).wait == 500ms);
  CHECK(limiter.reserve({"T2", "chat.postMessage", "C3"}).wait == 0s);
}

TEST_CASE("the workspace-wide chat.postMessage budget follows the configured pace",
          "[slack][rate_limiter]") {
  using bridgebot::slack::post_message_per_workspace;
  // The default: 300/min, one every 200 ms after a burst of 20.
  CHECK(post_message_per_workspace(300).interval == 200ms);
  CHECK(post_message_per_workspace(300).burst == 20);
  CHECK(bridgebot::slack::RateLimiterOptions{}.post_message_per_team.interval == 200ms);

  // slack.rate_limits.post_message_per_workspace_per_minute: 60 gives one a second after a
  // burst of 4, whatever the channel.
  FakeClock clock;
  bridgebot::slack::RateLimiterOptions options;
  options.post_message_per_team = post_message_per_workspace(60);
  RateLimiter limiter(clock, options);
  std::vector<Duration> w;
  for (int i = 0; i < 6; ++i) {
    w.push_back(limiter.reserve({"T1", "chat.postMessage", "D" + std::to_string(i)}).wait);
  }
  CHECK(w == std::vector<Duration>{0s, 0s, 0s, 0s, 1s, 2s});
  CHECK(post_message_per_workspace(1).burst == 1);
  CHECK(post_message_per_workspace(6000).interval == 10ms);
}

TEST_CASE("block holds its scope for exactly Retry-After, then resumes without a burst",
          "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  RateLimitKey key{"T1", "users.info", ""};
  limiter.block(key, 20s);

  CHECK(limiter.reserve(key).wait == 20s);
  CHECK(limiter.reserve(key).wait == 20s + 600ms);
  clock.advance(40s);
  CHECK(limiter.reserve(key).wait == 0s);
}

TEST_CASE("a postMessage block holds only its channel", "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  limiter.block({"T1", "chat.postMessage", "C1"}, 30s);
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C1"}).wait == 30s);
  CHECK(limiter.reserve({"T1", "chat.postMessage", "C2"}).wait == 0s);
  CHECK(limiter.reserve({"T1", "users.info", ""}).wait == 0s);
}

TEST_CASE("a refused reservation reserves nothing", "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  RateLimitKey key{"T1", "users.list", ""};  // Tier 2: a burst of 3, then one per 3 s
  waits(limiter, key, 3);
  for (int i = 0; i < 5; ++i) {
    auto slot = limiter.reserve(key, 1s);
    CHECK_FALSE(slot.granted);
    CHECK(slot.wait == 3s);
  }
  clock.advance(3s);
  CHECK(limiter.reserve(key, 1s).granted);
}

TEST_CASE("buckets of channels gone quiet are dropped, so memory follows current traffic",
          "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  // One DM channel per recipient, as a relay to many people makes: 10,000 buckets at once.
  for (int i = 0; i < 10'000; ++i) {
    REQUIRE(limiter.reserve({"T1", "chat.postMessage", "D" + std::to_string(i)}).granted);
  }
  CHECK(limiter.bucket_count() > 10'000);  // every channel, plus the workspace's own budget

  // Long after: new recipients only. The old channels' schedules are all in the past.
  clock.advance(std::chrono::hours(1));
  for (int i = 0; i < 10'000; ++i) {
    REQUIRE(limiter.reserve({"T1", "chat.postMessage", "E" + std::to_string(i)}).granted);
    clock.advance(1ms);
  }
  // Without the sweep: 20,002 (both generations of channels).
  CHECK(limiter.bucket_count() < 15'000);
}

TEST_CASE("a bucket inside a Retry-After window or with slots ahead is never dropped",
          "[slack][rate_limiter]") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimitKey blocked{"T1", "chat.postMessage", "C-blocked"};
  const RateLimitKey busy{"T1", "users.list", ""};
  limiter.block(blocked, 120s);
  waits(limiter, busy, 10);  // 3 at once, then one every 3 s: the next free slot is at +24 s
  clock.advance(10s);
  // Enough other buckets to trigger sweeps, all of them idle by the next one.
  for (int i = 0; i < 5'000; ++i) {
    REQUIRE(limiter.reserve({"T" + std::to_string(i), "auth.test", ""}).granted);
    clock.advance(1ms);
  }
  CHECK(limiter.blocked_for(blocked) == 120s - 10s - 5s);
  CHECK(limiter.reserve(busy).wait == 24s - 15s);  // a dropped bucket would say 0
}
