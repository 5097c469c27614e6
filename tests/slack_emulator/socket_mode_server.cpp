#include "slack_emulator/socket_mode_server.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "bridgebot/core/json.h"
#include "slack_emulator/emulator.h"

namespace bridgebot::emulator {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kDeliveryTick{5};

}  // namespace

class SocketModeServer::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(Emulator& emulator, SocketModeServerOptions options)
      : emulator_(emulator), options_(options), random_(20240501) {}

  // ---- sockets (called from the HttpServer's I/O threads) ----

  class Handler final : public net::WebSocketHandler {
   public:
    Handler(std::shared_ptr<Core> core, std::string app_id)
        : core_(std::move(core)), app_id_(std::move(app_id)) {}
    void on_open(std::shared_ptr<net::WebSocketConnection> connection) override {
      id_ = core_->opened(connection, app_id_);
    }
    void on_text(std::string message) override { core_->received(message); }
    void on_closed(int, std::string) override { core_->closed(id_); }

   private:
    std::shared_ptr<Core> core_;
    std::string app_id_;
    std::uint64_t id_ = 0;  // set in on_open; events of one connection never overlap
  };

  std::shared_ptr<net::WebSocketHandler> accept(const net::HttpRequest& request) {
    if (request.path() != "/link/" && request.path() != "/link") return nullptr;
    std::string ticket = request.query_param("ticket");
    std::optional<std::string> app_id = emulator_.with_state([&](State& state) {
      for (auto& issued : state.tickets) {
        if (issued.ticket == ticket && !issued.used) {
          issued.used = true;
          return std::optional<std::string>(issued.app_id);
        }
      }
      return std::optional<std::string>();
    });
    if (!app_id) return nullptr;
    return std::make_shared<Handler>(shared_from_this(), *app_id);
  }

  std::uint64_t opened(const std::shared_ptr<net::WebSocketConnection>& socket,
                       const std::string& app_id) {
    std::lock_guard lock(mutex_);
    std::uint64_t id = next_connection_id_++;
    accepted_++;
    if (stopping_) {
      socket->close(1001, "going away");
      return id;
    }
    if (link_disabled_ || live_count() >= options_.max_connections) {
      refused_++;
      socket->send_text(disconnect_frame(link_disabled_ ? "link_disabled" : "too_many_websockets"));
      socket->close(1000, "");
      return id;
    }
    Connection& connection = connections_[id];
    connection.socket = socket;
    connection.hello_sent = true;
    ever_open_ = true;
    socket->send_text(hello_frame(app_id));
    wake_.notify_one();
    return id;
  }

  void received(const std::string& text) {
    auto frame = core::parse_json(text);
    if (!frame.ok() || !frame->IsObject()) return;
    std::string envelope_id = core::json_string_or(*frame, "envelope_id");
    std::lock_guard lock(mutex_);
    acks_++;
    if (unacked_envelopes_.erase(envelope_id) > 0) {
      envelopes_acked_++;
      return;
    }
    auto it = in_flight_.find(envelope_id);
    if (it == in_flight_.end()) return;
    const InFlight& sent = it->second;
    SocketModeEventRecord& event = events_[sent.event_index];
    SocketModeDelivery& delivery = event.deliveries[sent.delivery_index];
    delivery.ack_latency = std::chrono::duration_cast<std::chrono::microseconds>(
        SteadyClock::now() - delivery.sent_at);
    delivery.lost_with_connection = false;
    event.acked = true;
    in_flight_.erase(it);
  }

  void closed(std::uint64_t connection_id) {
    std::lock_guard lock(mutex_);
    forget_connection(connection_id);
  }

  // ---- test controls ----

  std::string send_event(const std::string& team_id, const std::string& event_json) {
    std::lock_guard lock(mutex_);
    SocketModeEventRecord record;
    record.event_id = "Ev" + std::to_string(1'000'000 + events_.size());
    record.team_id = team_id;
    events_.push_back(record);
    event_bodies_.push_back(event_json);
    queue_.push_back({events_.size() - 1, 0, {}, {}});
    wake_.notify_one();
    return record.event_id;
  }

  std::string send_envelope(const std::string& type, const std::string& payload_json,
                            bool accepts_response_payload) {
    std::lock_guard lock(mutex_);
    std::string envelope_id = new_envelope_id();
    std::string text = "{\"envelope_id\":" + core::json_quote(envelope_id) +
                       ",\"type\":" + core::json_quote(type) + ",\"accepts_response_payload\":" +
                       (accepts_response_payload ? "true" : "false") +
                       ",\"payload\":" + payload_json + "}";
    queue_.push_back({std::nullopt, 0, std::move(text), {}});
    unacked_envelopes_.insert(envelope_id);
    wake_.notify_one();
    return envelope_id;
  }

  void send_raw_to_all(const std::string& text) {
    std::lock_guard lock(mutex_);
    for (auto& [id, connection] : connections_) {
      if (auto socket = connection.socket.lock()) socket->send_text(text);
    }
  }

  int disconnect(const std::string& reason, bool all) {
    std::lock_guard lock(mutex_);
    int touched = 0;
    for (auto& [id, connection] : connections_) {
      if (connection.stalled || connection.draining) continue;
      auto socket = connection.socket.lock();
      if (!socket) continue;
      socket->send_text(disconnect_frame(reason));
      connection.draining = true;
      connection.close_at = SteadyClock::now() + options_.disconnect_grace;
      touched++;
      if (!all) break;
    }
    return touched;
  }

  int drop_or_stall(bool stall) {
    std::lock_guard lock(mutex_);
    for (auto& [id, connection] : connections_) {
      if (connection.stalled || connection.draining) continue;
      auto socket = connection.socket.lock();
      if (!socket) continue;
      if (stall) {
        // A ghost: Slack still counts it and still sends it payloads, which are lost.
        socket->stall();
        connection.stalled = true;
        connection.stalled_at = SteadyClock::now();
        mark_lost_on(id);
      } else {
        socket->drop();
        forget_connection(id);
      }
      return 1;
    }
    return 0;
  }

  void disable_link() {
    std::lock_guard lock(mutex_);
    link_disabled_ = true;
    for (auto& [id, connection] : connections_) {
      if (auto socket = connection.socket.lock(); socket && !connection.stalled) {
        socket->send_text(disconnect_frame("link_disabled"));
        socket->close(1000, "");
      }
    }
  }

  void redeliver(const std::string& event_id, bool same_envelope_id) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const auto& event = events_[i];
      if (event.event_id != event_id || event.deliveries.empty()) continue;
      const auto& last = event.deliveries.back();
      if (same_envelope_id) {
        queue_.push_back({i, 0, {}, last.envelope_id});
      } else {
        queue_.push_back({i, last.retry_attempt + 1, {}, {}});
      }
      wake_.notify_one();
      return;
    }
  }

  void set_ghost_lifetime(std::chrono::milliseconds lifetime) {
    std::lock_guard lock(mutex_);
    options_.ghost_lifetime = lifetime;
  }

  void set_ack_timeout(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    options_.ack_timeout = timeout;
  }

  void set_max_connections(int max) {
    std::lock_guard lock(mutex_);
    options_.max_connections = max;
  }

  // ---- observations ----

  int open_connections() const {
    std::lock_guard lock(mutex_);
    return live_count();
  }
  int accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  int refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }
  int gaps() const {
    std::lock_guard lock(mutex_);
    return gaps_;
  }
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  std::size_t in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
  }
  std::vector<SocketModeEventRecord> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t acks() const {
    std::lock_guard lock(mutex_);
    return acks_;
  }
  std::size_t envelopes_acked() const {
    std::lock_guard lock(mutex_);
    return envelopes_acked_;
  }

  // ---- delivery thread ----

  void start_delivery() {
    deliverer_ = std::thread([self = shared_from_this()] { self->deliver_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_all();
    if (deliverer_.joinable()) deliverer_.join();
    std::lock_guard lock(mutex_);
    connections_.clear();
  }

 private:
  struct Connection {
    std::weak_ptr<net::WebSocketConnection> socket;
    bool hello_sent = false;
    bool draining = false;
    bool stalled = false;
    SteadyClock::time_point stalled_at{};
    SteadyClock::time_point close_at{};
  };

  // An envelope waiting for a socket: an event attempt, or a prepared non-event envelope.
  struct Pending {
    std::optional<std::size_t> event_index;
    int retry_attempt = 0;
    std::string text;         // non-event envelopes only
    std::string envelope_id;  // events: reuse this id instead of a new one (redeliver())
  };

  struct InFlight {
    std::size_t event_index = 0;
    std::size_t delivery_index = 0;
    std::uint64_t connection_id = 0;
    SteadyClock::time_point sent_at{};
    int retry_attempt = 0;
  };

  void deliver_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kDeliveryTick);
      if (stopping_) break;
      auto now = SteadyClock::now();
      expire_unacked(now);
      close_drained(now);
      bury_ghosts(now);
      deliver_queued(now);
    }
  }

  void expire_unacked(SteadyClock::time_point now) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      const InFlight& sent = it->second;
      if (now - sent.sent_at < options_.ack_timeout) {
        ++it;
        continue;
      }
      if (sent.retry_attempt < options_.max_retries) {
        queue_.push_back({sent.event_index, sent.retry_attempt + 1, {}, {}});
      } else {
        events_[sent.event_index].gave_up = !events_[sent.event_index].acked;
      }
      it = in_flight_.erase(it);
    }
  }

  void close_drained(SteadyClock::time_point now) {
    for (auto& [id, connection] : connections_) {
      if (!connection.draining || connection.stalled || now < connection.close_at) continue;
      if (auto socket = connection.socket.lock()) socket->close(1000, "");
      connection.close_at = SteadyClock::time_point::max();
    }
  }

  // Slack eventually notices a dead socket; until then it keeps sending it payloads.
  void bury_ghosts(SteadyClock::time_point now) {
    std::vector<std::uint64_t> dead;
    for (const auto& [id, connection] : connections_) {
      if (connection.stalled && now - connection.stalled_at >= options_.ghost_lifetime) {
        dead.push_back(id);
      }
    }
    for (auto id : dead) {
      if (auto socket = connections_[id].socket.lock()) socket->drop();
      forget_connection(id);
    }
  }

  void deliver_queued(SteadyClock::time_point now) {
    while (!queue_.empty()) {
      std::optional<std::uint64_t> target = pick_connection();
      if (!target) return;
      Pending pending = std::move(queue_.front());
      queue_.pop_front();
      Connection& connection = connections_[*target];
      auto socket = connection.socket.lock();
      if (!pending.event_index) {
        if (socket) socket->send_text(pending.text);
        continue;
      }
      std::string envelope_id =
          pending.envelope_id.empty() ? new_envelope_id() : pending.envelope_id;
      SocketModeEventRecord& event = events_[*pending.event_index];
      SocketModeDelivery delivery;
      delivery.envelope_id = envelope_id;
      delivery.connection_id = *target;
      delivery.retry_attempt = pending.retry_attempt;
      delivery.sent_at = now;
      delivery.lost_with_connection = connection.stalled;
      event.deliveries.push_back(delivery);
      in_flight_[envelope_id] = {*pending.event_index, event.deliveries.size() - 1, *target, now,
                                 pending.retry_attempt};
      if (socket) socket->send_text(event_envelope(event, envelope_id, pending));
    }
  }

  // A random socket that said hello and was not told to go; failing that, one that was. Ghosts
  // (stalled sockets) are chosen too: Slack cannot tell them apart.
  std::optional<std::uint64_t> pick_connection() {
    std::vector<std::uint64_t> preferred, fallback;
    for (const auto& [id, connection] : connections_) {
      if (!connection.hello_sent) continue;
      (connection.draining ? fallback : preferred).push_back(id);
    }
    auto& from = preferred.empty() ? fallback : preferred;
    if (from.empty()) return std::nullopt;
    std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
    return from[pick(random_)];
  }

  std::string event_envelope(const SocketModeEventRecord& event, const std::string& envelope_id,
                             const Pending& pending) const {
    const std::string& body = event_bodies_[*pending.event_index];
    std::string payload =
        "{\"token\":\"emulator\",\"team_id\":" + core::json_quote(event.team_id) +
        ",\"api_app_id\":\"A0001\",\"event\":" + body +
        ",\"type\":\"event_callback\",\"event_id\":" + core::json_quote(event.event_id) +
        ",\"event_time\":" + std::to_string(emulator_unix_seconds()) + "}";
    return "{\"envelope_id\":" + core::json_quote(envelope_id) +
           ",\"type\":\"events_api\",\"accepts_response_payload\":false,\"retry_attempt\":" +
           std::to_string(pending.retry_attempt) +
           ",\"retry_reason\":" + (pending.retry_attempt > 0 ? "\"timeout\"" : "\"\"") +
           ",\"payload\":" + payload + "}";
  }

  static std::int64_t emulator_unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  std::string hello_frame(const std::string& app_id) const {
    return "{\"type\":\"hello\",\"num_connections\":" + std::to_string(live_count()) +
           ",\"debug_info\":{\"host\":\"emulator\",\"build_number\":1,"
           "\"approximate_connection_time\":" +
           std::to_string(options_.approximate_connection_time) +
           "},\"connection_info\":{\"app_id\":" + core::json_quote(app_id) + "}}";
  }

  static std::string disconnect_frame(const std::string& reason) {
    return "{\"type\":\"disconnect\",\"reason\":" + core::json_quote(reason) +
           ",\"debug_info\":{\"host\":\"emulator\"}}";
  }

  std::string new_envelope_id() {
    char id[40];
    std::snprintf(id, sizeof id, "%08llx-%016llx", static_cast<unsigned long long>(++envelopes_),
                  static_cast<unsigned long long>(random_()));
    return id;
  }

  int live_count() const {
    int live = 0;
    for (const auto& entry : connections_) live += entry.second.hello_sent ? 1 : 0;
    return live;
  }

  // Envelopes sent on a socket that can no longer answer are marked lost (not excused from
  // redelivery: they still time out and come back).
  void mark_lost_on(std::uint64_t connection_id) {
    for (const auto& [envelope_id, sent] : in_flight_) {
      if (sent.connection_id != connection_id) continue;
      events_[sent.event_index].deliveries[sent.delivery_index].lost_with_connection = true;
    }
  }

  void forget_connection(std::uint64_t connection_id) {
    auto it = connections_.find(connection_id);
    if (it == connections_.end()) return;
    mark_lost_on(connection_id);
    connections_.erase(it);
    if (ever_open_ && live_count() == 0 && !stopping_ && !link_disabled_) gaps_++;
  }

  Emulator& emulator_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  SocketModeServerOptions options_;
  std::mt19937_64 random_;
  std::map<std::uint64_t, Connection> connections_;
  std::deque<Pending> queue_;
  std::map<std::string, InFlight> in_flight_;  // by envelope_id
  std::vector<SocketModeEventRecord> events_;
  std::vector<std::string> event_bodies_;    // the inner event JSON, by event index
  std::set<std::string> unacked_envelopes_;  // send_envelope() ids not acked yet
  std::uint64_t next_connection_id_ = 1;
  std::uint64_t envelopes_ = 0;
  std::size_t acks_ = 0;
  std::size_t envelopes_acked_ = 0;
  int accepted_ = 0;
  int refused_ = 0;
  int gaps_ = 0;
  bool ever_open_ = false;
  bool link_disabled_ = false;
  bool stopping_ = false;
  std::thread deliverer_;
};

SocketModeServer::SocketModeServer(Emulator& emulator, SocketModeServerOptions options)
    : core_(std::make_shared<Core>(emulator, options)) {
  core_->start_delivery();
}

SocketModeServer::~SocketModeServer() {
  stop();
}

std::shared_ptr<net::WebSocketHandler> SocketModeServer::accept(const net::HttpRequest& request) {
  return core_->accept(request);
}

void SocketModeServer::stop() {
  core_->stop();
}

std::string SocketModeServer::send_event(const std::string& team_id,
                                         const std::string& event_json) {
  return core_->send_event(team_id, event_json);
}

std::string SocketModeServer::send_envelope(const std::string& type,
                                            const std::string& payload_json,
                                            bool accepts_response_payload) {
  return core_->send_envelope(type, payload_json, accepts_response_payload);
}

void SocketModeServer::send_raw_to_all(const std::string& text) {
  core_->send_raw_to_all(text);
}

int SocketModeServer::disconnect_one(const std::string& reason) {
  return core_->disconnect(reason, false);
}

int SocketModeServer::disconnect_all(const std::string& reason) {
  return core_->disconnect(reason, true);
}

int SocketModeServer::drop_one() {
  return core_->drop_or_stall(false);
}

int SocketModeServer::stall_one() {
  return core_->drop_or_stall(true);
}

void SocketModeServer::disable_link() {
  core_->disable_link();
}

void SocketModeServer::redeliver(const std::string& event_id, bool same_envelope_id) {
  core_->redeliver(event_id, same_envelope_id);
}

void SocketModeServer::set_ghost_lifetime(std::chrono::milliseconds lifetime) {
  core_->set_ghost_lifetime(lifetime);
}

void SocketModeServer::set_ack_timeout(std::chrono::milliseconds timeout) {
  core_->set_ack_timeout(timeout);
}

void SocketModeServer::set_max_connections(int max) {
  core_->set_max_connections(max);
}

int SocketModeServer::open_connections() const {
  return core_->open_connections();
}

int SocketModeServer::connections_accepted() const {
  return core_->accepted();
}

int SocketModeServer::connections_refused() const {
  return core_->refused();
}

int SocketModeServer::gaps() const {
  return core_->gaps();
}

std::size_t SocketModeServer::queued() const {
  return core_->queued();
}

std::size_t SocketModeServer::in_flight() const {
  return core_->in_flight();
}

std::vector<SocketModeEventRecord> SocketModeServer::events() const {
  return core_->events();
}

std::vector<std::string> SocketModeServer::never_acked() const {
  std::vector<std::string> ids;
  for (const auto& event : events()) {
    if (event.gave_up) ids.push_back(event.event_id);
  }
  return ids;
}

std::vector<std::string> SocketModeServer::delivered_more_than_once() const {
  std::vector<std::string> ids;
  for (const auto& event : events()) {
    if (event.deliveries.size() > 1) ids.push_back(event.event_id);
  }
  return ids;
}

std::size_t SocketModeServer::acks_received() const {
  return core_->acks();
}

std::size_t SocketModeServer::envelopes_acked() const {
  return core_->envelopes_acked();
}

}  // namespace bridgebot::emulator
