// Client-side pacing for Slack, in the shape of DPP's per-bucket REST queues: every call lands in
// the bucket(s) Slack counts it against, so bridgebot rarely provokes a 429, and a 429 pauses only
// the bucket it concerns (never every method and channel, unlike the official Node client).
//
// Buckets (all per workspace):
//   - Tier 1-4 methods: one bucket per (team, method), sized by tier.
//   - chat.postMessage: one bucket per (team, channel) at about 1/s, and one workspace-wide bucket.
//   - incoming webhooks: one bucket per webhook URL at about 1/s.
// Each bucket is a GCRA token bucket: `burst` calls may go at once, then one per interval.
//
// Thread-safe. Pure apart from the Clock it reads; tests drive it with a FakeClock.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bridgebot/core/clock.h"
#include "bridgebot/slack/methods.h"

namespace bridgebot::slack {

struct BucketLimit {
  core::Clock::Duration interval;  // steady-state spacing between calls
  int burst = 1;                   // calls allowed back to back from an idle bucket
};

// The workspace-wide chat.postMessage bucket for `per_minute` calls a minute
// (slack.rate_limits.post_message_per_workspace_per_minute): evenly spaced, after a burst of
// four seconds' worth (at least 1). Slack does not publish this limit ("several hundred per
// minute"); the default of 300 stays well inside what large bridges report.
inline constexpr int kDefaultPostMessagePerWorkspacePerMinute = 300;
constexpr BucketLimit post_message_per_workspace(int per_minute) {
  return {std::chrono::microseconds(60'000'000 / per_minute), std::max(1, per_minute / 15)};
}

struct RateLimiterOptions {
  BucketLimit tier1{std::chrono::seconds(60), 2};
  BucketLimit tier2{std::chrono::seconds(3), 3};          // 20/min
  BucketLimit tier3{std::chrono::milliseconds(1200), 5};  // 50/min
  BucketLimit tier4{std::chrono::milliseconds(600), 10};  // 100/min
  BucketLimit post_message_per_channel{std::chrono::seconds(1), 3};
  BucketLimit post_message_per_team =
      post_message_per_workspace(kDefaultPostMessagePerWorkspacePerMinute);
  BucketLimit webhook{std::chrono::seconds(1), 3};
};

// What a call is about to spend. `channel` matters only for chat.postMessage; for webhooks
// `channel` holds the webhook URL (kept in memory only, never logged).
struct RateLimitKey {
  std::string team_id;
  std::string method;
  std::string channel;
};

struct Reservation {
  bool granted = false;
  // granted: wait this long, then send (the slot is yours). Not granted: the earliest slot is
  // this far away, more than the caller accepts; nothing was reserved.
  core::Clock::Duration wait{};
};

class RateLimiter {
 public:
  explicit RateLimiter(const core::Clock& clock, RateLimiterOptions options = {});

  // Reserves the next slot in every bucket `key` spends, if that slot is at most `max_wait`
  // away. Callers that are granted must send after waiting `wait`.
  Reservation reserve(const RateLimitKey& key,
                      core::Clock::Duration max_wait = core::Clock::Duration::max());

  // Slack answered 429 with Retry-After: nothing in the limited scope (the method's bucket; for
  // chat.postMessage the channel's bucket) may be sent before `retry_after` has elapsed, and
  // afterwards calls resume one interval apart rather than in a burst.
  void block(const RateLimitKey& key, core::Clock::Duration retry_after);

  // How long a Retry-After told for `key`'s scope still holds (zero when none). A caller that was
  // granted a slot before the 429 arrived checks this after its wait: the slot does not entitle
  // it to call inside the window Slack asked for.
  core::Clock::Duration blocked_for(const RateLimitKey& key);

  // At most one call of a scope (the scope block() holds back) is on the wire at a time, so a
  // 429 is known here before the scope's next call leaves: a call sent while another's 429 is
  // on its way back would land inside the window Slack just told. Right before a send, under
  // one lock: `blocked` when a Retry-After for the scope still holds (blocked_for: a slot granted
  // before it is void), `busy` when another call of the scope is still waiting for its answer
  // (try again shortly), else `begun`: the scope is the caller's until end_send. Per channel
  // Slack allows about one post a second anyway, so this costs nothing but the burst's round
  // trips.
  enum class SendCheck { begun, blocked, busy };
  SendCheck try_begin_send(const RateLimitKey& key);
  // The answer of the call begun with try_begin_send is in (and block()ed, when it was a 429).
  void end_send(const RateLimitKey& key);

  // Buckets held now: those with a schedule still ahead of the clock, plus idle ones not yet
  // swept (at most about as many again). For tests and metrics.
  std::size_t bucket_count();

 private:
  struct Bucket {
    BucketLimit limit;
    // GCRA's theoretical arrival time: a call may go at max(now, tat - (burst-1) * interval).
    core::Clock::TimePoint tat{};
    // End of the latest Retry-After window Slack told for this bucket's scope.
    core::Clock::TimePoint blocked_until{};
    bool sending = false;  // a call of this scope is on the wire (try_begin_send)
  };
  // A bucket's scope: (team, method, channel), the channel empty for a method-wide bucket. Looked
  // up as views of the caller's key, so that a call copies no string unless it adds a bucket.
  struct BucketView {
    std::string_view team, method, channel;
    bool operator==(const BucketView&) const = default;
  };
  struct BucketId {
    std::string team, method, channel;
    operator BucketView() const { return {team, method, channel}; }
  };
  struct BucketHash {
    using is_transparent = void;
    std::size_t operator()(BucketView id) const;
  };
  struct BucketEqual {
    using is_transparent = void;
    bool operator()(BucketView a, BucketView b) const { return a == b; }
  };

  Bucket& bucket(BucketView id, const BucketLimit& limit);
  // `key`'s own scope: its method, or for chat.postMessage and webhooks its channel (URL).
  static BucketView scope_id(const RateLimitKey& key, Tier tier);
  // The bucket of that scope.
  Bucket& scope_bucket(const RateLimitKey& key, Tier tier);
  BucketLimit limit_for(Tier tier) const;
  // Drops every bucket that is idle (its next slot and any Retry-After window already past):
  // such a bucket decides exactly as a new one would. Does nothing until the map has doubled
  // since the last sweep, so its cost per call stays constant. Call with mutex_ held, before
  // taking references into the map.
  void sweep_idle_locked();

  const core::Clock& clock_;
  const RateLimiterOptions options_;
  std::mutex mutex_;
  // One per (team, method or channel) with a schedule ahead; DM channels alone would otherwise
  // add one per recipient ever messaged, for the life of the process.
  std::unordered_map<BucketId, Bucket, BucketHash, BucketEqual> buckets_;
  std::size_t sweep_at_size_ = kFirstSweepSize;
  static constexpr std::size_t kFirstSweepSize = 1024;
};

}  // namespace bridgebot::slack
