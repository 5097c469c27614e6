// WebSocket client (Socket Mode) and the server-side connection handle (the emulator). Free of
// Boost; implemented with Beast in src/net.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"

namespace bridgebot::net {

class WebSocketConnection;

// Events of one WebSocket connection. Called on a network thread, one at a time per connection:
// handlers must return quickly (hand slow work to another thread).
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // The connection is up. Keep `connection` as a weak_ptr (a shared_ptr would form a cycle).
  virtual void on_open(std::shared_ptr<WebSocketConnection> connection) = 0;
  virtual void on_text(std::string message) = 0;
  // Called once when the connection ends for any reason: a close frame (code, reason), a
  // network error or a liveness timeout (code 0 and the error in `reason`).
  virtual void on_closed(int code, std::string reason) = 0;
};

// A live connection, either side. Thread-safe: send/close may be called from any thread; frames
// are queued and written one at a time in order.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  virtual void send_text(std::string message) = 0;
  // Sends a close frame with `code` and closes the socket after the peer answers (or a timeout).
  virtual void close(int code = 1000, std::string reason = {}) = 0;
  // Test and emulator use: drop the TCP connection with no close frame.
  virtual void drop() = 0;
  // Test and emulator use: stop reading and writing (no pongs, no data) without closing, as a
  // stalled peer would.
  virtual void stall() = 0;
};

struct WebSocketClientOptions {
  TlsOptions tls;
  // Bounds each step of connecting: the host name's lookup and the TCP connect together, then
  // the TLS handshake, then the WebSocket handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
  // The client sends a ping every ping_interval; a connection that has received nothing (no pong,
  // no frame) for idle_timeout is declared dead and closed (on_closed with code 0, "timeout").
  std::chrono::milliseconds ping_interval{5'000};
  std::chrono::milliseconds idle_timeout{15'000};
  // How the host name is looked up: empty means the system resolver (getaddrinfo), on a thread of
  // its own so that a name server that never answers costs handshake_timeout, not getaddrinfo's
  // own timeouts. Tests supply a slow one here.
  HostLookup host_lookup;
};

// Connects to a ws:// or wss:// URL. Blocks until the handshake succeeded or failed; afterwards
// events go to `handler` (on_open first, before this returns; no event at all on failure).
// Errors as for HttpClient (a lookup that runs out of time is dns_failed) plus handshake_failed,
// and wrong_thread when called from a WebSocketHandler callback (it would block the network
// thread it needs): reconnect from your own thread. The connection stays open until close(),
// drop(), the peer or a timeout ends it, even if every reference to it is dropped.
Result<std::shared_ptr<WebSocketConnection>> connect_websocket(
    const std::string& url, const WebSocketClientOptions& options,
    std::shared_ptr<WebSocketHandler> handler);

}  // namespace bridgebot::net
