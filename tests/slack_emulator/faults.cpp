#include "slack_emulator/faults.h"

#include <numeric>
#include <utility>

namespace bridgebot::emulator {

Fault Fault::status(int code) {
  Fault f;
  f.kind = Kind::http_status;
  f.http_status = code;
  return f;
}

Fault Fault::slow(std::chrono::milliseconds wait) {
  Fault f;
  f.kind = Kind::delay;
  f.delay = wait;
  return f;
}

Fault Fault::slack_error_code(std::string code) {
  Fault f;
  f.kind = Kind::slack_error;
  f.error = std::move(code);
  return f;
}

Fault Fault::ratelimited(std::chrono::seconds retry_after) {
  Fault f;
  f.kind = Kind::rate_limited;
  f.retry_after = retry_after;
  return f;
}

Fault Fault::dropped_connection() {
  Fault f;
  f.kind = Kind::drop_connection;
  return f;
}

void FaultQueue::push(std::string method, Fault fault, int times) {
  if (times <= 0) return;
  entries_.push_back({std::move(method), std::move(fault), times});
}

std::optional<Fault> FaultQueue::take(const std::string& method) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    Fault fault = it->fault;
    if (--it->remaining == 0) entries_.erase(it);
    return fault;
  }
  return std::nullopt;
}

std::size_t FaultQueue::pending() const {
  return std::accumulate(
      entries_.begin(), entries_.end(), std::size_t{0},
      [](std::size_t sum, const Entry& e) { return sum + static_cast<std::size_t>(e.remaining); });
}

}  // namespace bridgebot::emulator
