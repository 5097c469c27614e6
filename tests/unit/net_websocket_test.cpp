// connect_websocket against HttpServer's WebSocket upgrade, over real loopback sockets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "bridgebot/net/http_server.h"
#include "bridgebot/net/websocket.h"
#include "support/lookup_gate.h"
#include "support/test_tls.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;

namespace {

// Records every event; optionally echoes text back. Thread-safe.
class RecordingHandler : public WebSocketHandler {
 public:
  explicit RecordingHandler(bool echo = false) : echo_(echo) {}

  void on_open(std::shared_ptr<WebSocketConnection> connection) override {
    std::lock_guard lock(mutex_);
    connection_ = connection;
    changed_.notify_all();
  }
  void on_text(std::string message) override {
    std::unique_lock lock(mutex_);
    messages_.push_back(message);
    auto connection = connection_.lock();
    changed_.notify_all();
    lock.unlock();
    if (echo_ && connection) connection->send_text(std::move(message));
  }
  void on_closed(int code, std::string reason) override {
    std::lock_guard lock(mutex_);
    ++closed_count_;
    close_code_ = code;
    close_reason_ = std::move(reason);
    changed_.notify_all();
  }

  bool wait_until(const std::function<bool()>& condition, std::chrono::seconds limit = 15s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, condition);
  }
  bool wait_open() {
    return wait_until([&] { return !connection_.expired(); });
  }
  bool wait_closed() {
    return wait_until([&] { return closed_count_ > 0; });
  }
  bool wait_message(const std::string& text) {
    return wait_until(
        [&] { return std::find(messages_.begin(), messages_.end(), text) != messages_.end(); });
  }

  std::shared_ptr<WebSocketConnection> connection() {
    std::lock_guard lock(mutex_);
    return connection_.lock();
  }
  int closed_count() {
    std::lock_guard lock(mutex_);
    return closed_count_;
  }
  int close_code() {
    std::lock_guard lock(mutex_);
    return close_code_;
  }
  std::string close_reason() {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }

 private:
  const bool echo_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::weak_ptr<WebSocketConnection> connection_;
  std::vector<std::string> messages_;
  int closed_count_ = 0;
  int close_code_ = -1;
  std::string close_reason_;
};

// A server whose /socket endpoint echoes; every server-side handler is kept for inspection.
struct EchoServer {
  explicit EchoServer(ServerOptions options = {})
      : server(
            std::move(options), [](HttpRequest, Responder respond) { respond(HttpResponse{}); },
            [this](const HttpRequest& request) -> std::shared_ptr<WebSocketHandler> {
              if (request.path() != "/socket") return nullptr;
              auto handler = std::make_shared<RecordingHandler>(true);
              std::lock_guard lock(mutex);
              handlers.push_back(handler);
              return handler;
            }) {}

  std::shared_ptr<RecordingHandler> first_handler() {
    std::lock_guard lock(mutex);
    return handlers.empty() ? nullptr : handlers.front();
  }

  // The upgrade is accepted on a server thread: poll briefly for its handler, then for on_open.
  bool wait_for_server_side() {
    for (int i = 0; i < 1500 && !first_handler(); ++i) std::this_thread::sleep_for(10ms);
    auto handler = first_handler();
    return handler && handler->wait_open();
  }

  std::string url(const std::string& scheme, const std::string& path = "/socket") const {
    return scheme + "://localhost:" + std::to_string(server.port()) + path;
  }

  std::mutex mutex;
  std::vector<std::shared_ptr<RecordingHandler>> handlers;
  HttpServer server;
};

WebSocketClientOptions plaintext_options() {
  WebSocketClientOptions options;
  options.tls.allow_plaintext = true;
  return options;
}

// Connects and waits until the server side is open too.
std::shared_ptr<WebSocketConnection> connect(EchoServer& echo, const std::string& url,
                                             const WebSocketClientOptions& options,
                                             const std::shared_ptr<RecordingHandler>& client) {
  auto connection = connect_websocket(url, options, client);
  REQUIRE(connection.ok());
  REQUIRE(client->connection() != nullptr);  // on_open ran before connect_websocket returned
  REQUIRE(echo.server.port() != 0);
  REQUIRE(echo.wait_for_server_side());
  return *connection;
}

}  // namespace

TEST_CASE("WebSocket text echoes over ws", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), plaintext_options(), client);

  connection->send_text("hello");
  connection->send_text("world");

  CHECK(client->wait_message("hello"));
  CHECK(client->wait_message("world"));
}

TEST_CASE("WebSocket text echoes over wss with the test CA", "[net][websocket][tls]") {
  const auto certificates = bridgebot::test::make_test_certificates();
  ServerOptions server_options;
  server_options.tls_certificate_pem = certificates.server_cert_pem;
  server_options.tls_private_key_pem = certificates.server_key_pem;
  EchoServer echo(server_options);
  REQUIRE(echo.server.start().ok());
  WebSocketClientOptions options;
  options.tls.ca_file = bridgebot::test::write_ca_file(certificates);
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("wss"), options, client);

  connection->send_text("over tls");

  CHECK(client->wait_message("over tls"));
}

TEST_CASE("wss refuses a server certificate from an unrelated CA", "[net][websocket][tls]") {
  ServerOptions server_options;
  const auto certificates = bridgebot::test::make_test_certificates();
  server_options.tls_certificate_pem = certificates.server_cert_pem;
  server_options.tls_private_key_pem = certificates.server_key_pem;
  EchoServer echo(server_options);
  REQUIRE(echo.server.start().ok());
  WebSocketClientOptions options;
  options.tls.ca_file = bridgebot::test::write_ca_file(bridgebot::test::make_test_certificates());

  auto connection =
      connect_websocket(echo.url("wss"), options, std::make_shared<RecordingHandler>());

  REQUIRE_FALSE(connection.ok());
  CHECK(connection.error().code == "tls_failed");
}

TEST_CASE("Plain ws is refused unless allow_plaintext", "[net][websocket]") {
  auto connection = connect_websocket("ws://127.0.0.1:9/socket", WebSocketClientOptions{},
                                      std::make_shared<RecordingHandler>());
  REQUIRE_FALSE(connection.ok());
  CHECK(connection.error().code == "plaintext_refused");
}

TEST_CASE("An upgrade the acceptor refuses fails the handshake", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());

  auto connection = connect_websocket(echo.url("ws", "/elsewhere"), plaintext_options(),
                                      std::make_shared<RecordingHandler>());

  REQUIRE_FALSE(connection.ok());
  CHECK(connection.error().code == "handshake_failed");
}

TEST_CASE(
    "A host name lookup that hangs fails the connect as dns_failed within handshake_timeout, and "
    "the same URL connects once the name server answers",
    "[net][websocket][dns]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto gate = std::make_shared<bridgebot::test::LookupGate>();
  WebSocketClientOptions options = plaintext_options();
  options.handshake_timeout = 1s;  // the budget of the lookup and the connect together
  options.host_lookup = bridgebot::test::lookup_hanging_for("hung.test", gate);
  const std::string url = "ws://hung.test:" + std::to_string(echo.server.port()) + "/socket";

  auto attempt = std::async(std::launch::async, [&] {
    return connect_websocket(url, options, std::make_shared<RecordingHandler>());
  });
  REQUIRE(attempt.wait_for(60s) == std::future_status::ready);  // the lookup hangs for 120 s
  const auto failed = attempt.get();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == "dns_failed");
  CHECK(failed.error().transient);  // Socket Mode tries again on its backoff
  CHECK(failed.error().message.find("looking up hung.test timed out") != std::string::npos);
  CHECK(gate->hanging() == 1);  // the connect stopped waiting; the lookup did not end
  CHECK(echo.first_handler() == nullptr);

  gate->open();
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, url, options, client);
  connection->send_text("after the lookup");
  CHECK(client->wait_message("after the lookup"));
}

TEST_CASE("close() from the client gives the server code 1000, once", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), plaintext_options(), client);

  connection->close();

  auto server_side = echo.first_handler();
  REQUIRE(server_side->wait_closed());
  CHECK(server_side->close_code() == 1000);
  REQUIRE(client->wait_closed());
  CHECK(client->close_code() == 1000);
  connection->send_text("after close");  // a no-op, never a crash
  connection->close();
  std::this_thread::sleep_for(50ms);
  CHECK(client->closed_count() == 1);
  CHECK(server_side->closed_count() == 1);
}

TEST_CASE("close() from the server gives the client code 1000", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), plaintext_options(), client);

  echo.first_handler()->connection()->close(1000, "bye");

  REQUIRE(client->wait_closed());
  CHECK(client->close_code() == 1000);
  CHECK(client->close_reason() == "bye");
}

TEST_CASE("drop() on the server ends the client with code 0", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), plaintext_options(), client);

  echo.first_handler()->connection()->drop();

  REQUIRE(client->wait_closed());
  CHECK(client->close_code() == 0);
  CHECK(client->closed_count() == 1);
}

TEST_CASE("The client declares a stalled server dead after idle_timeout", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  WebSocketClientOptions options = plaintext_options();
  options.ping_interval = 100ms;
  options.idle_timeout = 500ms;
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), options, client);

  echo.first_handler()->connection()->stall();

  REQUIRE(client->wait_closed());
  CHECK(client->close_code() == 0);
  CHECK(client->close_reason() == "timeout");
}

TEST_CASE("Pings keep a quiet but healthy connection alive", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  WebSocketClientOptions options = plaintext_options();
  options.ping_interval = 50ms;
  options.idle_timeout = 300ms;
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), options, client);

  std::this_thread::sleep_for(1s);  // several idle timeouts with no data, only pongs

  CHECK(client->closed_count() == 0);
  connection->send_text("still here");
  CHECK(client->wait_message("still here"));
}

TEST_CASE("Stopping the server closes its WebSockets with 1001", "[net][websocket]") {
  EchoServer echo;
  REQUIRE(echo.server.start().ok());
  auto client = std::make_shared<RecordingHandler>();
  auto connection = connect(echo, echo.url("ws"), plaintext_options(), client);

  echo.server.stop(5s);

  REQUIRE(client->wait_closed());
  CHECK(client->close_code() == 1001);
  CHECK(echo.first_handler()->closed_count() == 1);
}
