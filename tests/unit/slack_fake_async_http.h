// A scripted net::AsyncHttpClient for unit tests: answers from a FakeHttpClient's script on its
// own "I/O" thread (never inside send(), as the real client), optionally holding every request
// until the test releases them, so a test can count how many are in flight at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "bridgebot/net/async_http.h"
#include "unit/slack_fake_http.h"

namespace slack_test {

class FakeAsyncHttpClient final : public net::AsyncHttpClient {
 public:
  explicit FakeAsyncHttpClient(FakeHttpClient& script) : script_(script) {
    io_ = std::thread([this] { run(); });
  }
  ~FakeAsyncHttpClient() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      held_ = false;
    }
    changed_.notify_all();
    io_.join();
  }

  void send(net::ClientRequest request, Done done) override {
    {
      std::lock_guard lock(mutex_);
      pending_.emplace_back(std::move(request), std::move(done));
      ++in_flight_;
      peak_in_flight_ = std::max(peak_in_flight_, in_flight_);
    }
    changed_.notify_all();
  }

  // While held, requests wait unanswered (in flight) until release().
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  // Blocks until `count` requests are in flight at once; false after 10 s.
  bool wait_in_flight(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return in_flight_ >= count; });
  }
  int peak_in_flight() const {
    std::lock_guard lock(mutex_);
    return peak_in_flight_;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || (!held_ && !pending_.empty()); });
      if (pending_.empty() && stopping_) return;
      auto [request, done] = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      auto answer = stopping_ ? bridgebot::make_error("cancelled", "client destroyed")
                              : script_.send(request);
      done(std::move(answer));
      lock.lock();
      --in_flight_;
    }
  }

  FakeHttpClient& script_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<net::ClientRequest, Done>> pending_;
  bool held_ = false;
  bool stopping_ = false;
  int in_flight_ = 0;
  int peak_in_flight_ = 0;
  std::thread io_;
};

}  // namespace slack_test
