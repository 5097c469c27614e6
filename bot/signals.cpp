#include "signals.h"

#include <signal.h>

#include <ctime>

namespace bridgebot::cli {
namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool wait_for_termination(std::chrono::milliseconds timeout) {
  sigset_t set = termination_set();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000);
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace bridgebot::cli
