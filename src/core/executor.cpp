#include "bridgebot/core/executor.h"

#include <cassert>

namespace bridgebot::core {
namespace {

thread_local Executor* current_executor = nullptr;
thread_local std::uint64_t current_turn = 0;

}  // namespace

Executor* Executor::current() noexcept {
  return current_executor;
}

void Executor::set_current(Executor* executor) noexcept {
  current_executor = executor;
}

std::uint64_t Executor::turn() noexcept {
  return current_executor != nullptr ? current_turn : 0;
}

void Executor::next_turn() noexcept {
  ++current_turn;
}

void SleepFor::await_suspend(std::coroutine_handle<> coroutine) {
  Executor* executor = Executor::current();
  assert(executor != nullptr && "sleep_for is awaited on an executor thread");
  executor->post_after(delay_, [this, coroutine](bool elapsed) {
    elapsed_ = elapsed;
    coroutine.resume();
  });
}

}  // namespace bridgebot::core
