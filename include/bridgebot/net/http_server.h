// An HTTP/1.1 server (optionally TLS) with WebSocket upgrade, for the platform API and the Slack
// emulator. Free of Boost; the Beast implementation lives in src/net.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"
#include "bridgebot/net/websocket.h"

namespace bridgebot::net {

// Sends the response for one request. Call it exactly once, from any thread; later calls are
// ignored, as are calls after the server stopped. A Responder destroyed without being called
// answers 500 {"error":"no_response"}. Requests on one keep-alive connection are answered in order.
using Responder = std::function<void(HttpResponse)>;

// Handles one request. Runs on a server I/O thread: do not block; answer later through the
// Responder when work (a store commit, a Slack call) has to happen first.
using RequestHandler = std::function<void(HttpRequest request, Responder respond)>;

// Called for a request that asks for a WebSocket upgrade. Return nullptr to refuse the upgrade
// (the client gets 404); otherwise the returned handler owns the new connection.
using WebSocketAcceptor =
    std::function<std::shared_ptr<WebSocketHandler>(const HttpRequest& request)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free port
  std::size_t max_body_bytes = 256 * 1024;
  int threads = 2;
  // A kept-alive connection that starts no new request for this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  // A request's header must be complete within header_timeout of its first byte (of the
  // connection, for the first request), and its body within body_timeout after the header:
  // slow or stalled clients (slowloris) are closed.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  // Connections beyond this many open ones are answered 503 and closed at once (TLS ones are
  // just closed), with a log line at most every few seconds.
  std::size_t max_connections = 1'000;
  // TLS when both are set (PEM text, not file names).
  std::string tls_certificate_pem;
  std::string tls_private_key_pem;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, RequestHandler handler, WebSocketAcceptor acceptor = nullptr);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads. Errors: bind_failed, invalid_listen, tls_failed, and
  // invalid_state after stop() (a server is not restartable).
  Status start();
  // The bound port (after start()).
  std::uint16_t port() const;
  // Stops accepting, lets in-flight requests finish for up to `grace` (idle keep-alive connections
  // close at once, WebSockets get a 1001 close frame), then closes everything and joins the I/O
  // threads. Connections the server handed out (WebSocketConnection) must not be used after it.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds{2'000});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridgebot::net
