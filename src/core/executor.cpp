#include "bridgebot/core/executor.h"

#include <cassert>

namespace bridgebot::core {
namespace {

thread_local Executor* current_executor = nullptr;

}  // namespace

Executor* Executor::current() noexcept {
  return current_executor;
}

void Executor::set_current(Executor* executor) noexcept {
  current_executor = executor;
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
