// SocketMode: the supervisor (connects, replaces and closes links) and the recorders (hand each
// envelope to the handler, then ack it). See socket_mode.h for the threading contract.
#include "bridgebot/slack/socket_mode.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "bridgebot/core/thread_name.h"
#include "bridgebot/slack/errors.h"
#include "bridgebot/slack/socket_mode_backoff.h"
#include "socket_mode_hub.h"
#include "socket_mode_link.h"

namespace bridgebot::slack {

namespace {

constexpr int kMaxConnections = 10;
constexpr int kMaxRecorders = 64;
// The supervisor looks at its schedule at least this often.
constexpr std::chrono::milliseconds kSupervisorTick{50};
// stop(): how long closing sockets may take.
constexpr std::chrono::milliseconds kCloseGrace{1'500};

const char* const kLinkDisabledMessage =
    "Socket Mode is turned off for this app: turn it on under Settings > Socket Mode";

}  // namespace

std::string to_string(SocketModeState state) {
  switch (state) {
    case SocketModeState::stopped:
      return "stopped";
    case SocketModeState::connecting:
      return "connecting";
    case SocketModeState::connected:
      return "connected";
    case SocketModeState::link_disabled:
      return "link_disabled";
    case SocketModeState::auth_failed:
      return "auth_failed";
  }
  return "unknown";
}

class SocketMode::Impl {
 public:
  Impl(SlackApi& api, std::string app_token, SocketModeOptions options, EnvelopeHandler& handler,
       const core::Clock& clock)
      : api_(api),
        app_token_(std::move(app_token)),
        options_(std::move(options)),
        handler_(handler),
        clock_(clock),
        hub_(std::make_shared<detail::Hub>()),
        backoff_(options_.backoff, options_.healthy_period),
        random_(std::random_device{}()) {
    options_.connections = std::clamp(options_.connections, 1, kMaxConnections);
    options_.recorders = std::clamp(options_.recorders, 1, kMaxRecorders);
  }

  Status start() {
    std::lock_guard lock(mutex_);
    if (started_) return make_error("invalid_state", "Socket Mode was already started");
    started_ = true;
    run_state_ = SocketModeState::connecting;
    supervisor_ = std::thread([this] {
      core::name_this_thread("socket-mode");
      supervise();
    });
    for (int i = 0; i < options_.recorders; ++i) {
      recorders_.emplace_back([this] {
        core::name_this_thread("event-recorder");
        record();
      });
    }
    return Status::success();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!started_ || stopped_) return;
      stopped_ = true;
    }
    hub_->request_stop();
    if (supervisor_.joinable()) supervisor_.join();
    hub_->envelopes.close();
    for (auto& recorder : recorders_) recorder.join();
    std::lock_guard lock(mutex_);
    run_state_ = SocketModeState::stopped;
  }

  SocketModeStatus status() const {
    SocketModeStatus status;
    status.counters = hub_->counters.snapshot();
    std::lock_guard lock(mutex_);
    for (const auto& [id, link] : links_) {
      LinkState state = link->state();
      if (state == LinkState::closed) continue;
      status.connections.push_back({id, std::string(to_string(state))});
      if (link->said_hello()) status.open_connections++;
    }
    status.connected = status.open_connections > 0;
    status.last_hello_num_connections = hub_->last_hello_num_connections.load();
    status.message = message_;
    status.state = run_state_;
    if (run_state_ == SocketModeState::connecting && status.connected) {
      status.state = SocketModeState::connected;
      status.message.clear();
    }
    return status;
  }

 private:
  using TimePoint = core::Clock::TimePoint;
  using Setback = ReconnectBackoff::Setback;

  // ---- supervisor thread ----

  void supervise() {
    while (!hub_->stop_requested()) {
      for (auto& event : hub_->wait_events(kSupervisorTick)) apply(event);
      if (hub_->stop_requested()) break;
      if (gave_up()) continue;
      keep_links_open();
    }
    close_all_links();
  }

  bool gave_up() const {
    std::lock_guard lock(mutex_);
    return run_state_ == SocketModeState::link_disabled ||
           run_state_ == SocketModeState::auth_failed;
  }

  void apply(const detail::LinkEvent& event) {
    std::shared_ptr<detail::Link> link = find_link(event.link_id);
    switch (event.action) {
      case LinkAction::mark_open:
        on_hello(link);
        break;
      case LinkAction::connect_successor:
        hub_->counters.reconnects++;  // keep_links_open() connects it, without backoff
        break;
      case LinkAction::stop_link_disabled:
        give_up(SocketModeState::link_disabled, kLinkDisabledMessage);
        break;
      case LinkAction::close_and_back_off:
        spdlog::warn("socket mode: Slack refused a socket (too_many_websockets): backing off");
        hub_->counters.reconnects++;
        schedule_retry(std::nullopt, Setback::refused);
        break;
      case LinkAction::reconnect_with_backoff:
        spdlog::warn("socket mode: link {} lost ({}): reconnecting", event.link_id, event.detail);
        hub_->counters.reconnects++;
        schedule_retry(std::nullopt, link && link->said_hello() ? Setback::lost : Setback::refused);
        break;
      case LinkAction::forget:
      case LinkAction::none:
      case LinkAction::ack_and_dispatch:
        break;
    }
    if (link && link->state() == LinkState::closed) forget(event.link_id);
  }

  void on_hello(const std::shared_ptr<detail::Link>& link) {
    backoff_.on_hello(clock_.now());
    last_attempt_failed_ = false;
    std::shared_ptr<detail::Link> predecessor;
    {
      std::lock_guard lock(mutex_);
      if (link) {
        auto found = predecessor_of_.find(link->id());
        if (found != predecessor_of_.end()) {
          auto it = links_.find(found->second);
          if (it != links_.end()) predecessor = it->second;
          successor_of_.erase(found->second);
          predecessor_of_.erase(found);
        }
      }
    }
    // No gap: the old socket goes only now that its successor is usable.
    if (predecessor) predecessor->close();
  }

  // Opens links until `connections` are connecting or open. A draining link gets its successor
  // at once; other missing links wait for the backoff schedule. After a setback one link probes
  // at a time: the rest follow its hello, so a refusing Slack sees one call per backoff step.
  void keep_links_open() {
    while (!hub_->stop_requested()) {
      std::shared_ptr<detail::Link> orphan;
      int active = 0;
      bool probing = false;
      {
        std::lock_guard lock(mutex_);
        // A closed link still in the map counts as active: the supervisor has not applied its
        // last event yet, which may schedule a backoff (too_many_websockets) first.
        for (const auto& [id, link] : links_) {
          if (link->state() != LinkState::draining) {
            active++;
          } else if (successor_of_.count(id) == 0 && !orphan) {
            orphan = link;
          }
          if (link->state() == LinkState::connecting) probing = true;
        }
      }
      if (active >= options_.connections) return;
      if (last_attempt_failed_ && probing) return;
      bool due = clock_.now() >= next_attempt_at_ || (orphan && !last_attempt_failed_);
      if (!due) return;
      const bool probe = last_attempt_failed_;
      if (!connect_one(orphan) || probe) return;  // a probe goes alone, even when refused at once
    }
  }

  // One connect: a fresh URL from apps.connections.open, then the handshake. Blocks.
  bool connect_one(const std::shared_ptr<detail::Link>& predecessor) {
    auto url = api_.apps_connections_open(app_token_);
    if (!url.ok()) {
      const Error& error = url.error();
      if (is_auth_dead(error.code)) {
        give_up(SocketModeState::auth_failed,
                error.code + ": Slack refused the app-level token; check slack.app_token (an " +
                    "xapp- token with connections:write), then restart");
        return false;
      }
      spdlog::warn("socket mode: apps.connections.open failed: {}", error.to_string());
      hub_->counters.connect_failures++;
      schedule_retry(error.retry_after, Setback::refused);
      return false;
    }

    auto link = std::make_shared<detail::Link>(next_link_id_++, hub_);
    {
      std::lock_guard lock(mutex_);
      links_[link->id()] = link;
      if (predecessor) {
        successor_of_[predecessor->id()] = link->id();
        predecessor_of_[link->id()] = predecessor->id();
      }
    }
    net::WebSocketClientOptions ws;
    ws.tls = options_.tls;
    ws.handshake_timeout = options_.handshake_timeout;
    ws.ping_interval = options_.ping_interval;
    ws.idle_timeout = options_.idle_timeout;
    auto connection = net::connect_websocket(*url, ws, link);
    if (!connection.ok()) {
      spdlog::warn("socket mode: connecting failed: {}", connection.error().to_string());
      forget(link->id());
      hub_->counters.connect_failures++;
      schedule_retry(std::nullopt, Setback::refused);
      return false;
    }
    return true;
  }

  // `at_least`: a Retry-After (Slack's, or our own pacing's next slot) outranks the schedule.
  void schedule_retry(std::optional<std::chrono::milliseconds> at_least, Setback setback) {
    TimePoint now = clock_.now();
    auto delay = backoff_.on_failure(now, std::uniform_real_distribution<double>(0.0, 1.0)(random_),
                                     setback);
    if (at_least) delay = std::max(delay, *at_least);
    next_attempt_at_ = now + delay;
    last_attempt_failed_ = true;
  }

  void give_up(SocketModeState state, std::string message) {
    spdlog::error("socket mode: {}", message);
    {
      std::lock_guard lock(mutex_);
      run_state_ = state;
      message_ = std::move(message);
    }
    for (const auto& link : all_links()) link->close();
  }

  void close_all_links() {
    auto links = all_links();
    for (const auto& link : links) link->close();
    auto deadline = std::chrono::steady_clock::now() + kCloseGrace;
    for (const auto& link : links) {
      while (link->state() != LinkState::closed && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
      }
    }
    std::lock_guard lock(mutex_);
    links_.clear();
    successor_of_.clear();
    predecessor_of_.clear();
  }

  std::shared_ptr<detail::Link> find_link(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = links_.find(id);
    return it == links_.end() ? nullptr : it->second;
  }

  std::vector<std::shared_ptr<detail::Link>> all_links() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<detail::Link>> links;
    for (const auto& entry : links_) links.push_back(entry.second);
    return links;
  }

  // A link that is gone: also unpairs it, so a draining link whose successor failed gets another.
  void forget(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    links_.erase(id);
    if (auto it = predecessor_of_.find(id); it != predecessor_of_.end()) {
      successor_of_.erase(it->second);
      predecessor_of_.erase(it);
    }
    if (auto it = successor_of_.find(id); it != successor_of_.end()) {
      predecessor_of_.erase(it->second);
      successor_of_.erase(it);
    }
  }

  // ---- recorder threads ----

  void record() {
    while (auto received = hub_->envelopes.pop()) {
      const Envelope& envelope = received->envelope;
      if (Status recorded = handler_.on_envelope(envelope); !recorded.ok()) {
        // Unacked, Slack sends it again (up to 3 times): better than an ack that promises
        // something we could not keep.
        hub_->counters.record_failures++;
        spdlog::warn("socket mode: envelope {} not recorded, so not acked: {}",
                     envelope.envelope_id, recorded.error().to_string());
        continue;
      }
      hub_->counters.recorded++;
      if (auto link = received->link.lock()) {
        link->ack(envelope);
      } else {
        hub_->counters.ack_failures++;
      }
    }
  }

  SlackApi& api_;
  const std::string app_token_;
  SocketModeOptions options_;
  EnvelopeHandler& handler_;
  const core::Clock& clock_;
  const std::shared_ptr<detail::Hub> hub_;

  // Supervisor thread only.
  ReconnectBackoff backoff_;
  std::mt19937_64 random_;
  TimePoint next_attempt_at_{};
  bool last_attempt_failed_ = false;
  std::uint64_t next_link_id_ = 1;

  // Guarded by mutex_ (written by the supervisor, read by status()).
  mutable std::mutex mutex_;
  bool started_ = false;
  bool stopped_ = false;
  // connecting while running normally (status() reports connected while a link is open), or
  // why it stopped.
  SocketModeState run_state_ = SocketModeState::stopped;
  std::string message_;
  std::map<std::uint64_t, std::shared_ptr<detail::Link>> links_;
  std::map<std::uint64_t, std::uint64_t> successor_of_;    // draining link -> its successor
  std::map<std::uint64_t, std::uint64_t> predecessor_of_;  // successor -> draining link

  std::thread supervisor_;
  std::vector<std::thread> recorders_;
};

SocketMode::SocketMode(SlackApi& api, std::string app_token, SocketModeOptions options,
                       EnvelopeHandler& handler, const core::Clock& clock)
    : impl_(std::make_unique<Impl>(api, std::move(app_token), std::move(options), handler, clock)) {
}

SocketMode::~SocketMode() {
  impl_->stop();
}

Status SocketMode::start() {
  return impl_->start();
}

void SocketMode::stop() {
  impl_->stop();
}

SocketModeStatus SocketMode::status() const {
  return impl_->status();
}

}  // namespace bridgebot::slack
