#include "slack_emulator/server.h"

#include <algorithm>
#include <mutex>

#include "bridgebot/net/http_server.h"
#include "delayed_responses.h"
#include "responses.h"
#include "slack_emulator/socket_mode_server.h"

namespace bridgebot::emulator {

class EmulatorServer::Impl {
 public:
  Impl(Emulator& emulator, const EmulatorServerOptions& options)
      : emulator_(emulator),
        tls_(!options.tls_certificate_pem.empty() && !options.tls_private_key_pem.empty()),
        socket_mode_(emulator),
        server_(
            server_options(options),
            [this](net::HttpRequest request, net::Responder respond) {
              serve(std::move(request), std::move(respond));
            },
            [this](const net::HttpRequest& request) { return socket_mode_.accept(request); }) {}

  // apps.connections.open hands out URLs pointing at this server's Socket Mode endpoint.
  Status start() {
    Status started = server_.start();
    if (started.ok()) {
      emulator_.set_socket_mode_url(std::string(tls_ ? "wss" : "ws") +
                                    "://127.0.0.1:" + std::to_string(server_.port()) + "/link/");
    }
    return started;
  }

  void stop() {
    delayed_.flush_and_stop();
    socket_mode_.stop();  // lets go of its sockets before the server closes them
    server_.stop();
  }

  SocketModeServer& socket_mode() { return socket_mode_; }

  // Most requests being answered at once so far (a scripted delay keeps one open).
  int peak_concurrent() const {
    std::lock_guard lock(concurrency_mutex_);
    return peak_concurrent_;
  }

  std::uint16_t port() const { return server_.port(); }
  Emulator& emulator() { return emulator_; }
  bool tls() const { return tls_; }

 private:
  static net::ServerOptions server_options(const EmulatorServerOptions& options) {
    net::ServerOptions server;
    server.listen = options.listen;
    server.tls_certificate_pem = options.tls_certificate_pem;
    server.tls_private_key_pem = options.tls_private_key_pem;
    return server;
  }

  void serve(net::HttpRequest request, net::Responder inner) {
    {
      std::lock_guard lock(concurrency_mutex_);
      peak_concurrent_ = std::max(peak_concurrent_, ++concurrent_);
    }
    net::Responder respond = [this, inner = std::move(inner)](net::HttpResponse response) {
      {
        std::lock_guard lock(concurrency_mutex_);
        --concurrent_;
      }
      inner(std::move(response));
    };
    Answer answer = emulator_.answer(request);
    if (answer.drop_connection) {
      // net::HttpServer cannot close a connection without answering yet: say so loudly
      // instead of pretending.
      answer.response = text_response(503,
                                      "emulator: drop_connection is not supported by "
                                      "the transport yet");
      answer.response.headers.set("X-Emulator-Unsupported-Fault", "drop_connection");
    }
    if (answer.delay.count() > 0) {
      delayed_.schedule(answer.delay, std::move(respond), std::move(answer.response));
    } else {
      respond(std::move(answer.response));
    }
  }

  Emulator& emulator_;
  bool tls_;
  mutable std::mutex concurrency_mutex_;
  int concurrent_ = 0;
  int peak_concurrent_ = 0;
  DelayedResponses delayed_;      // declared before server_: outlives the handler that uses it
  SocketModeServer socket_mode_;  // likewise, for the WebSocket acceptor
  net::HttpServer server_;
};

EmulatorServer::EmulatorServer(Emulator& emulator, EmulatorServerOptions options)
    : impl_(std::make_unique<Impl>(emulator, options)) {}

EmulatorServer::~EmulatorServer() {
  impl_->stop();
}

Status EmulatorServer::start() {
  Status started = impl_->start();
  if (started.ok()) impl_->emulator().set_public_base_url(base_url());
  return started;
}

void EmulatorServer::stop() {
  impl_->stop();
}

int EmulatorServer::peak_concurrent_requests() const {
  return impl_->peak_concurrent();
}

std::uint16_t EmulatorServer::port() const {
  return impl_->port();
}

std::string EmulatorServer::base_url() const {
  return std::string(impl_->tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         "/";
}

std::string EmulatorServer::api_base_url() const {
  return base_url() + "api/";
}

SocketModeServer& EmulatorServer::socket_mode() {
  return impl_->socket_mode();
}

std::string EmulatorServer::webhook_url(const std::string& webhook_id) const {
  return base_url() + "services/" + webhook_id;
}

}  // namespace bridgebot::emulator
