// Slack's rate limits as the emulator enforces them: token buckets per (team, method) sized by
// tier, and per (team, channel) for chat.postMessage. Also remembers every Retry-After it told a
// client, so that a call arriving inside such a window is counted as a violation: the figure a
// test must prove to be zero. Not thread-safe (the Emulator's mutex guards it).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bridgebot/core/clock.h"

namespace bridgebot::emulator {

struct RateLimitConfig {
  bool enabled = false;
  // Calls per minute per (team, method), with a burst of the same size.
  int tier1_per_minute = 1;
  int tier2_per_minute = 20;
  int tier3_per_minute = 50;
  int tier4_per_minute = 100;
  // chat.postMessage (and incoming webhooks): per conversation, this many per second with a
  // short burst on top.
  double post_per_second = 1.0;
  int post_burst = 3;
};

// Which bucket a method draws from. `special` methods (auth.test) are not limited here.
enum class Tier { special, tier1, tier2, tier3, tier4, per_channel };

// A told Retry-After window that a later call did not respect.
struct RateLimitViolation {
  std::string scope;  // "T0001 users.list" or "T0001 chat.postMessage C0002"
  core::Clock::TimePoint arrival;
  core::Clock::TimePoint window_end;
};

class RateLimiter {
 public:
  using TimePoint = core::Clock::TimePoint;

  explicit RateLimiter(RateLimitConfig config = {}) : config_(config) {}
  void configure(RateLimitConfig config);
  const RateLimitConfig& config() const { return config_; }

  // The scope a Retry-After applies to: the method in a team, or the conversation for posts.
  static std::string scope_key(const std::string& team_id, const std::string& method, Tier tier,
                               const std::string& channel);

  // Records a violation when `now` falls inside a window previously told for `scope`.
  void note_arrival(const std::string& scope, TimePoint now);
  // Takes one call from the scope's bucket. Returns nothing when admitted, else the Retry-After
  // to tell the client (at least 1 s), which is remembered as a told window.
  std::optional<std::chrono::seconds> admit(const std::string& scope, Tier tier, TimePoint now);
  // Remembers a Retry-After told for another reason (a scripted 429).
  void tell_retry_after(const std::string& scope, TimePoint now, std::chrono::seconds wait);

  const std::vector<RateLimitViolation>& violations() const { return violations_; }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint refilled_at{};
  };
  // Capacity and refill rate (tokens per second) of a tier; capacity 0 means unlimited.
  std::pair<double, double> bucket_shape(Tier tier) const;

  RateLimitConfig config_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, TimePoint> told_until_;
  std::vector<RateLimitViolation> violations_;
};

}  // namespace bridgebot::emulator
