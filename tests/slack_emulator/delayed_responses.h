// Sends responses after a scripted delay without holding a server I/O thread: one worker thread
// waits for the earliest due response. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "bridgebot/net/http_server.h"

namespace bridgebot::emulator {

class DelayedResponses {
 public:
  DelayedResponses();
  ~DelayedResponses();  // flush_and_stop()
  DelayedResponses(const DelayedResponses&) = delete;
  DelayedResponses& operator=(const DelayedResponses&) = delete;

  // Calls `respond(response)` once `delay` (real time) has passed.
  void schedule(std::chrono::milliseconds delay, net::Responder respond,
                net::HttpResponse response);
  // Sends every pending response now and ends the worker; later schedules answer at once.
  void flush_and_stop();

 private:
  using Due = std::chrono::steady_clock::time_point;
  struct Pending {
    Due due;
    std::uint64_t order;  // keeps equal due times first-in, first-out
    net::Responder respond;
    net::HttpResponse response;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
  };

  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
  std::uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace bridgebot::emulator
