// Waiting for SIGINT/SIGTERM without async-signal-unsafe handlers: the signals are blocked in
// every thread and collected with sigtimedwait on the main thread.
#pragma once

#include <chrono>

namespace bridgebot::cli {

// Call first in main(), before any thread starts, so every thread inherits the blocked mask.
void block_termination_signals();
// Waits up to `timeout` for SIGINT or SIGTERM; true when one arrived.
bool wait_for_termination(std::chrono::milliseconds timeout);

}  // namespace bridgebot::cli
