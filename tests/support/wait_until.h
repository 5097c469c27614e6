// Polling with a deadline: the way integration tests wait for asynchronous effects (a message
// reaching the emulator, a status turning "delivered"). The deadline is a generous protocol bound,
// never a performance assertion; sleeping is only the pause between polls.
#pragma once

#include <chrono>
#include <thread>

namespace bridgebot::test {

// Calls `condition` until it returns true (then true) or `within` has passed (then false, after
// one last check).
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds within,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace bridgebot::test
