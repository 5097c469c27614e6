// A Socket Mode client wired to the emulator over real loopback sockets, with timings shrunk so
// that faults resolve in well under a second. Shared by the socket_mode integration tests and the
// ack-latency benchmark.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/socket_mode.h"
#include "bridgebot/slack/web_api.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"

namespace bridgebot::testing {

// Stands in for the bridge's inbox: records every delivery, keeps the first of each event_id (or
// envelope id) as the inbox does, and can be made slow or failing. Thread-safe.
class RecordingHandler final : public slack::EnvelopeHandler {
 public:
  Status on_envelope(const slack::Envelope& envelope) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    std::lock_guard lock(mutex_);
    if (failures_left_ > 0) {
      --failures_left_;
      return make_error("store_error", "scripted recording failure", true);
    }
    if (deliveries_[slack::deduplication_key(envelope)]++ == 0) envelopes_.push_back(envelope);
    return Status::success();
  }
  // Makes every call block this long (a slow disk). Call before the client starts.
  void set_delay(std::chrono::milliseconds delay) { delay_ = delay; }
  // The next `count` calls fail.
  void fail_next(int count) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
  }

  // Distinct envelopes recorded.
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return envelopes_.size();
  }
  // Deliveries recorded under `key` (deduplication_key), repeats included.
  int deliveries(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = deliveries_.find(key);
    return it == deliveries_.end() ? 0 : it->second;
  }
  // 1 once `key` was recorded: what the bridge would hand its event handler.
  int times_handled(const std::string& key) const { return deliveries(key) > 0 ? 1 : 0; }
  std::vector<slack::Envelope> envelopes() const {
    std::lock_guard lock(mutex_);
    return envelopes_;
  }

 private:
  std::chrono::milliseconds delay_{0};
  mutable std::mutex mutex_;
  int failures_left_ = 0;
  std::map<std::string, int> deliveries_;
  std::vector<slack::Envelope> envelopes_;
};

inline slack::SocketModeOptions fast_socket_mode_options(int connections) {
  slack::SocketModeOptions options;
  options.connections = connections;
  options.ping_interval = std::chrono::milliseconds{200};
  options.idle_timeout = std::chrono::milliseconds{1'000};
  options.handshake_timeout = std::chrono::milliseconds{2'000};
  options.backoff = {std::chrono::milliseconds{100}, 2.0, std::chrono::milliseconds{800}};
  options.healthy_period = std::chrono::milliseconds{5'000};
  options.tls.allow_plaintext = true;
  return options;
}

// The emulator server, a WebApi against it (apps.connections.open unpaced: the emulator does not
// rate-limit unless told) and a SocketMode client, not yet started.
struct SocketModeRig {
  emulator::Emulator emulator{core::system_clock()};
  emulator::DemoWorkspace demo = emulator::seed_demo_workspace(emulator);
  emulator::EmulatorServer server{emulator};
  std::unique_ptr<net::HttpClient> http;
  slack::RateLimiter limiter{core::system_clock(), unpaced()};
  std::unique_ptr<slack::WebApi> api;
  RecordingHandler handler;
  std::unique_ptr<slack::SocketMode> socket_mode;

  explicit SocketModeRig(slack::SocketModeOptions options = fast_socket_mode_options(2),
                         std::string app_token = {}) {
    started_server = server.start().ok();
    net::ClientOptions client;
    client.tls.allow_plaintext = true;
    client.connect_timeout = std::chrono::milliseconds{2'000};
    client.request_timeout = std::chrono::milliseconds{2'000};
    http = net::make_http_client(client);
    slack::RetryPolicy retry;
    retry.max_attempts = 1;  // SocketMode retries apps.connections.open itself
    retry.max_wait = std::chrono::milliseconds{1'000};
    api = std::make_unique<slack::WebApi>(*http, server.api_base_url(), core::system_clock(),
                                          limiter, retry);
    socket_mode = std::make_unique<slack::SocketMode>(
        *api, app_token.empty() ? demo.app_token : app_token, options, handler);
  }
  ~SocketModeRig() {
    socket_mode->stop();
    server.stop();
  }

  emulator::SocketModeServer& slack() { return server.socket_mode(); }

  static slack::RateLimiterOptions unpaced() {
    slack::RateLimiterOptions options;
    options.tier1 = {std::chrono::milliseconds{1}, 1'000};
    return options;
  }

  bool started_server = false;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return condition();
}

inline std::string user_change_event(int n) {
  return R"({"type":"user_change","user":{"id":"U)" + std::to_string(n) + R"("}})";
}

}  // namespace bridgebot::testing
