// Scripted faults: tests queue what the next calls of a method (or of any method) suffer. Faults
// are consumed in the order they were queued, one per call. Not thread-safe (the Emulator's
// mutex guards it).
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace bridgebot::emulator {

struct Fault {
  enum class Kind {
    http_status,      // answer with this HTTP status (500, 503, ...) and a plain-text body
    delay,            // wait this long, then answer normally
    slack_error,      // HTTP 200 {"ok":false,"error":code} (internal_error, token_expired, ...)
    rate_limited,     // HTTP 429 with this Retry-After; counts as a told window
    drop_connection,  // close the connection without answering (transport-level)
  };

  Kind kind = Kind::http_status;
  int http_status = 500;
  std::chrono::milliseconds delay{0};
  std::string error;
  std::chrono::seconds retry_after{0};

  static Fault status(int code);
  static Fault slow(std::chrono::milliseconds wait);
  static Fault slack_error_code(std::string code);
  static Fault ratelimited(std::chrono::seconds retry_after);
  static Fault dropped_connection();
};

// The method name a fault on incoming webhooks is queued under.
inline constexpr const char* kWebhookMethod = "incoming-webhook";

class FaultQueue {
 public:
  // Queues `fault` for the next `times` calls of `method`; an empty method matches any call
  // (Web API methods and incoming webhooks alike).
  void push(std::string method, Fault fault, int times = 1);
  // The first queued fault that matches `method`, consumed once.
  std::optional<Fault> take(const std::string& method);
  std::size_t pending() const;
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::string method;
    Fault fault;
    int remaining;
  };
  std::deque<Entry> entries_;
};

}  // namespace bridgebot::emulator
