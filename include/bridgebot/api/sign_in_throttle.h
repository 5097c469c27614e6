// Wrong admin tokens at the admin console's sign-in, counted per client address: after
// `max_failures` within `window` of the first, every sign-in from that address (even with the
// right token) is refused until that window ends, so platform.admin_token cannot be guessed at
// line speed. A good sign-in clears the address's count. Thread-safe; memory is bounded by
// `max_addresses` (the oldest count goes first).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "bridgebot/core/clock.h"

namespace bridgebot::api {

struct SignInThrottleOptions {
  int max_failures = 5;
  std::chrono::seconds window{std::chrono::minutes(15)};
  std::size_t max_addresses = 10'000;
};

class SignInThrottle {
 public:
  explicit SignInThrottle(const core::Clock& clock, SignInThrottleOptions options = {});

  // Seconds until `address` may try again; 0 when it may try now.
  std::int64_t retry_after(std::string_view address);
  void failed(std::string_view address);
  void succeeded(std::string_view address);

 private:
  struct Failures {
    core::Clock::TimePoint first;
    int count = 0;
  };
  // Drops counts whose window has ended; then, while still over the bound, the oldest.
  void prune(core::Clock::TimePoint now);

  const core::Clock& clock_;
  const SignInThrottleOptions options_;
  std::mutex mutex_;
  std::map<std::string, Failures, std::less<>> failures_;  // guarded by mutex_
};

// The address part of a peer's "ip:port" (IPv6 too: the port follows the last colon), so that
// failures count per host, not per connection.
std::string client_host(std::string_view remote_address);

}  // namespace bridgebot::api
