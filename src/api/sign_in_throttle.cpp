#include "bridgebot/api/sign_in_throttle.h"

#include <algorithm>

namespace bridgebot::api {

SignInThrottle::SignInThrottle(const core::Clock& clock, SignInThrottleOptions options)
    : clock_(clock), options_(options) {}

std::int64_t SignInThrottle::retry_after(std::string_view address) {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it == failures_.end() || it->second.count < options_.max_failures) return 0;
  const auto reopens = it->second.first + options_.window;
  if (now >= reopens) {
    failures_.erase(it);
    return 0;
  }
  // Rounded up: a client waiting exactly this long is let in.
  const auto wait = std::chrono::ceil<std::chrono::seconds>(reopens - now);
  return std::max<std::int64_t>(1, wait.count());
}

void SignInThrottle::failed(std::string_view address) {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it != failures_.end() && now >= it->second.first + options_.window) {
    failures_.erase(it);
    it = failures_.end();
  }
  if (it == failures_.end()) {
    prune(now);
    it = failures_.emplace(std::string(address), Failures{now, 0}).first;
  }
  ++it->second.count;
}

void SignInThrottle::succeeded(std::string_view address) {
  std::lock_guard lock(mutex_);
  if (auto it = failures_.find(address); it != failures_.end()) failures_.erase(it);
}

void SignInThrottle::prune(core::Clock::TimePoint now) {
  if (failures_.size() < options_.max_addresses) return;
  std::erase_if(failures_,
                [&](const auto& entry) { return now >= entry.second.first + options_.window; });
  while (!failures_.empty() && failures_.size() >= options_.max_addresses) {
    auto oldest = std::min_element(
        failures_.begin(), failures_.end(),
        [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
    failures_.erase(oldest);
  }
}

std::string client_host(std::string_view remote_address) {
  const auto colon = remote_address.rfind(':');
  if (colon == std::string_view::npos) return std::string(remote_address);
  return std::string(remote_address.substr(0, colon));
}

}  // namespace bridgebot::api
