// Serves an Emulator over real sockets on loopback, plain HTTP or HTTPS, so that the real
// net::HttpClient and the bridgebot binary can talk to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bridgebot/core/result.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/socket_mode_server.h"

namespace bridgebot::emulator {

struct EmulatorServerOptions {
  std::string listen = "127.0.0.1:0";  // port 0 picks a free port
  // HTTPS when both are set (PEM text). Clients must trust the issuing CA.
  std::string tls_certificate_pem;
  std::string tls_private_key_pem;
};

class EmulatorServer {
 public:
  // `emulator` must outlive the server.
  EmulatorServer(Emulator& emulator, EmulatorServerOptions options = {});
  ~EmulatorServer();  // stops
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  // Binds and starts serving. Errors as net::HttpServer::start.
  Status start();
  // Answers requests still waiting out a scripted delay at once, then stops the server.
  void stop();

  std::uint16_t port() const;
  // The most requests it was answering at once so far (a client's calls in flight together).
  int peak_concurrent_requests() const;
  // "http://127.0.0.1:PORT/" (https with TLS). Valid after start().
  std::string base_url() const;
  // What a Slack client uses as its api_base_url: base_url() + "api/".
  std::string api_base_url() const;
  // The Socket Mode endpoint; start() points the Emulator's apps.connections.open at it.
  SocketModeServer& socket_mode();
  // The URL of the incoming webhook registered under `webhook_id`.
  std::string webhook_url(const std::string& webhook_id) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridgebot::emulator
