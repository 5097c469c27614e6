#include "slack_emulator/rate_limits.h"

#include <algorithm>
#include <cmath>

namespace bridgebot::emulator {

void RateLimiter::configure(RateLimitConfig config) {
  config_ = config;
  buckets_.clear();  // new shapes start full
}

std::string RateLimiter::scope_key(const std::string& team_id, const std::string& method, Tier tier,
                                   const std::string& channel) {
  std::string key = team_id + " " + method;
  if (tier == Tier::per_channel) key += " " + channel;
  return key;
}

void RateLimiter::note_arrival(const std::string& scope, TimePoint now) {
  auto told = told_until_.find(scope);
  if (told != told_until_.end() && now < told->second) {
    violations_.push_back({scope, now, told->second});
  }
}

std::pair<double, double> RateLimiter::bucket_shape(Tier tier) const {
  auto per_minute = [](int calls) {
    return std::pair{static_cast<double>(calls), static_cast<double>(calls) / 60.0};
  };
  switch (tier) {
    case Tier::special:
      return {0, 0};
    case Tier::tier1:
      return per_minute(config_.tier1_per_minute);
    case Tier::tier2:
      return per_minute(config_.tier2_per_minute);
    case Tier::tier3:
      return per_minute(config_.tier3_per_minute);
    case Tier::tier4:
      return per_minute(config_.tier4_per_minute);
    case Tier::per_channel:
      return {static_cast<double>(config_.post_burst), config_.post_per_second};
  }
  return {0, 0};
}

std::optional<std::chrono::seconds> RateLimiter::admit(const std::string& scope, Tier tier,
                                                       TimePoint now) {
  auto [capacity, per_second] = bucket_shape(tier);
  if (!config_.enabled || capacity <= 0 || per_second <= 0) return std::nullopt;

  auto [it, inserted] = buckets_.try_emplace(scope, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
    bucket.refilled_at = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  auto wait_seconds = static_cast<long>(std::ceil((1.0 - bucket.tokens) / per_second));
  std::chrono::seconds wait{std::max(1L, wait_seconds)};
  tell_retry_after(scope, now, wait);
  return wait;
}

void RateLimiter::tell_retry_after(const std::string& scope, TimePoint now,
                                   std::chrono::seconds wait) {
  TimePoint until = now + wait;
  auto& told = told_until_[scope];
  told = std::max(told, until);
}

}  // namespace bridgebot::emulator
