#include "bridgebot/slack/rate_limiter.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace bridgebot::slack {
namespace {

core::Clock::Duration tolerance(const BucketLimit& limit) {
  return limit.interval * (std::max(limit.burst, 1) - 1);
}

}  // namespace

RateLimiter::RateLimiter(const core::Clock& clock, RateLimiterOptions options)
    : clock_(clock), options_(std::move(options)) {}

BucketLimit RateLimiter::limit_for(Tier tier) const {
  switch (tier) {
    case Tier::tier1:
      return options_.tier1;
    case Tier::tier2:
      return options_.tier2;
    case Tier::tier3:
      return options_.tier3;
    case Tier::tier4:
      return options_.tier4;
    case Tier::post_message:
      return options_.post_message_per_channel;
    case Tier::webhook:
      return options_.webhook;
  }
  return options_.tier1;
}

std::size_t RateLimiter::BucketHash::operator()(BucketView id) const {
  const std::hash<std::string_view> hash;
  std::size_t h = hash(id.team);
  h = h * 31 + hash(id.method);
  return h * 31 + hash(id.channel);
}

RateLimiter::Bucket& RateLimiter::bucket(BucketView id, const BucketLimit& limit) {
  if (auto found = buckets_.find(id); found != buckets_.end()) return found->second;
  BucketId owned{std::string(id.team), std::string(id.method), std::string(id.channel)};
  return buckets_.emplace(std::move(owned), Bucket{limit, {}}).first->second;
}

void RateLimiter::sweep_idle_locked() {
  if (buckets_.size() < sweep_at_size_) return;
  const auto now = clock_.now();
  std::erase_if(buckets_, [now](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tat <= now && b.blocked_until <= now && !b.sending;
  });
  sweep_at_size_ = std::max(kFirstSweepSize, 2 * buckets_.size());
}

std::size_t RateLimiter::bucket_count() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

Reservation RateLimiter::reserve(const RateLimitKey& key, core::Clock::Duration max_wait) {
  std::lock_guard lock(mutex_);
  sweep_idle_locked();  // before taking pointers into the map
  const Tier tier = method_info(key.method).tier;
  Bucket& own = scope_bucket(key, tier);
  Bucket* shared = tier == Tier::post_message
                       ? &bucket({key.team_id, key.method, {}}, options_.post_message_per_team)
                       : nullptr;

  const auto now = clock_.now();
  auto send_at = std::max(now, own.tat - tolerance(own.limit));
  if (shared != nullptr) send_at = std::max(send_at, shared->tat - tolerance(shared->limit));

  const auto wait = send_at - now;
  if (wait > max_wait) return {false, wait};
  // The call's own bucket (method or channel) is spent at send_at. A shared budget (the
  // workspace-wide postMessage bucket) is charged one unit from now instead: a call waiting out
  // one channel's Retry-After must not push every other channel's slot behind it.
  own.tat = std::max(own.tat, send_at) + own.limit.interval;
  if (shared != nullptr) shared->tat = std::max(shared->tat, now) + shared->limit.interval;
  return {true, wait};
}

RateLimiter::BucketView RateLimiter::scope_id(const RateLimitKey& key, Tier tier) {
  const bool per_channel = tier == Tier::post_message || tier == Tier::webhook;
  return {key.team_id, key.method,
          per_channel ? std::string_view(key.channel) : std::string_view()};
}

RateLimiter::Bucket& RateLimiter::scope_bucket(const RateLimitKey& key, Tier tier) {
  return bucket(scope_id(key, tier), limit_for(tier));
}

RateLimiter::SendCheck RateLimiter::try_begin_send(const RateLimitKey& key) {
  std::lock_guard lock(mutex_);
  sweep_idle_locked();
  Bucket& b = scope_bucket(key, method_info(key.method).tier);
  if (b.blocked_until > clock_.now()) return SendCheck::blocked;
  if (b.sending) return SendCheck::busy;
  b.sending = true;
  return SendCheck::begun;
}

void RateLimiter::end_send(const RateLimitKey& key) {
  std::lock_guard lock(mutex_);
  scope_bucket(key, method_info(key.method).tier).sending = false;
}

void RateLimiter::block(const RateLimitKey& key, core::Clock::Duration retry_after) {
  std::lock_guard lock(mutex_);
  sweep_idle_locked();
  Bucket& b = scope_bucket(key, method_info(key.method).tier);
  // Setting tat past the pause by the burst tolerance makes the first slot exactly
  // now + retry_after and leaves no burst credit for right after it.
  b.tat = std::max(b.tat, clock_.now() + retry_after + tolerance(b.limit));
  b.blocked_until = std::max(b.blocked_until, clock_.now() + retry_after);
}

core::Clock::Duration RateLimiter::blocked_for(const RateLimitKey& key) {
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(scope_id(key, method_info(key.method).tier));
  if (found == buckets_.end()) return core::Clock::Duration::zero();  // never told, or swept idle
  return std::max(found->second.blocked_until - clock_.now(), core::Clock::Duration::zero());
}

}  // namespace bridgebot::slack
