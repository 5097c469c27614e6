// The Socket Mode side of the emulator: the WebSocket endpoint that apps.connections.open URLs
// point at. It checks the ticket (each works once), says hello, delivers events as events_api
// envelopes to a random open socket, tracks acks, redelivers unacked envelopes after the ack
// timeout (retry_attempt 1..3, retry_reason "timeout", maybe on another socket), and lets tests
// script faults: disconnect frames, dropped and stalled sockets, Socket Mode switched off, the
// 10-socket cap.
//
// Thread-safe: one mutex guards all state; a delivery thread runs the queue and the timeouts in
// real time (not the Emulator's clock, which tests often freeze).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridgebot/net/http.h"
#include "bridgebot/net/websocket.h"

namespace bridgebot::emulator {

class Emulator;

struct SocketModeServerOptions {
  std::chrono::milliseconds ack_timeout{3'000};
  int max_retries = 3;       // redeliveries of an unacked event
  int max_connections = 10;  // more get disconnect too_many_websockets
  // A socket told to go (warning, refresh_requested) is closed by the server after this long.
  std::chrono::milliseconds disconnect_grace{10'000};
  std::int64_t approximate_connection_time = 18'000;  // seconds, as sent in hello
  // A stalled socket (a ghost) still gets payloads until Slack notices it is dead, this long
  // after it stalled; then the server drops it.
  std::chrono::milliseconds ghost_lifetime{2'000};
};

// One envelope sent for an event.
struct SocketModeDelivery {
  std::string envelope_id;
  std::uint64_t connection_id = 0;
  int retry_attempt = 0;
  std::chrono::steady_clock::time_point sent_at{};
  std::optional<std::chrono::microseconds> ack_latency;  // set once acked
  // The socket was stalled, dropped or closed before an ack came: the ack could not arrive.
  bool lost_with_connection = false;
};

struct SocketModeEventRecord {
  std::string event_id;
  std::string team_id;
  std::vector<SocketModeDelivery> deliveries;  // in sending order
  bool acked = false;
  bool gave_up = false;  // every attempt went unacked
};

class SocketModeServer {
 public:
  // `emulator` (tickets, app ids) must outlive the server.
  explicit SocketModeServer(Emulator& emulator, SocketModeServerOptions options = {});
  ~SocketModeServer();  // stop()
  SocketModeServer(const SocketModeServer&) = delete;
  SocketModeServer& operator=(const SocketModeServer&) = delete;

  // The WebSocket acceptor for GET /link/?ticket=…: nullptr (refused) for another path or an
  // unknown or used ticket.
  std::shared_ptr<net::WebSocketHandler> accept(const net::HttpRequest& request);
  // Stops delivering and lets go of every socket. Call before the HttpServer stops. Idempotent.
  void stop();

  // Queues an Events API event (`event_json`: the inner event object) for delivery; returns its
  // event_id. Delivered as soon as a socket is open.
  std::string send_event(const std::string& team_id, const std::string& event_json);
  // Queues a slash_commands or interactive envelope (never retried); returns its envelope_id.
  std::string send_envelope(const std::string& type, const std::string& payload_json,
                            bool accepts_response_payload);
  // Sends `text` as is to every open socket (malformed frames for tolerance tests).
  void send_raw_to_all(const std::string& text);

  // Scripted faults. Each returns how many sockets it touched.
  int disconnect_one(const std::string& reason);  // the oldest open socket
  int disconnect_all(const std::string& reason);
  int drop_one();   // no close frame
  int stall_one();  // stops reading and writing, socket left open (a ghost)
  // Socket Mode switched off: disconnect link_disabled to every socket and every new one.
  void disable_link();
  // Sends an event again at once, as Slack sometimes does: as retry number (last + 1) with a new
  // envelope id, or with `same_envelope_id` as the last delivery again with retry_attempt 0.
  void redeliver(const std::string& event_id, bool same_envelope_id);
  void set_ack_timeout(std::chrono::milliseconds timeout);
  void set_ghost_lifetime(std::chrono::milliseconds lifetime);
  void set_max_connections(int max);

  // Observations.
  int open_connections() const;  // said hello, not closed (ghosts included, as Slack counts them)
  int connections_accepted() const;
  int connections_refused() const;  // too_many_websockets or link_disabled
  // How often the count of open sockets fell to zero after the first hello.
  int gaps() const;
  std::size_t queued() const;     // envelopes waiting for a socket
  std::size_t in_flight() const;  // sent, neither acked nor given up
  std::vector<SocketModeEventRecord> events() const;
  std::vector<std::string> never_acked() const;               // event ids given up on
  std::vector<std::string> delivered_more_than_once() const;  // event ids
  std::size_t acks_received() const;
  std::size_t envelopes_acked() const;  // non-event envelopes (send_envelope) acked

 private:
  class Core;
  std::shared_ptr<Core> core_;  // shared with the sockets' handlers, which may outlive this
};

}  // namespace bridgebot::emulator
