// The only door to time. Real code uses system_clock(); tests inject a FakeClock so that
// Retry-After, backoff and ping timeouts are testable in microseconds.
#pragma once

#include <chrono>
#include <mutex>

namespace bridgebot::core {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time for timeouts and schedules.
  virtual TimePoint now() const = 0;
  // Wall-clock seconds since the Unix epoch (timestamps in signatures, stored records).
  virtual std::int64_t unix_seconds() const = 0;
};

// The process-wide real clock. Thread-safe.
Clock& system_clock();

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_start = 1'700'000'000) : unix_start_(unix_start) {}
  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return TimePoint{} + elapsed_;
  }
  std::int64_t unix_seconds() const override {
    std::lock_guard lock(mutex_);
    return unix_start_ + std::chrono::duration_cast<std::chrono::seconds>(elapsed_).count();
  }
  void advance(Duration d) {
    std::lock_guard lock(mutex_);
    elapsed_ += d;
  }

 private:
  mutable std::mutex mutex_;
  std::int64_t unix_start_;
  Duration elapsed_{};
};

}  // namespace bridgebot::core
