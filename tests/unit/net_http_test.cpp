// HttpClient and HttpServer against each other over real loopback sockets.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bridgebot/core/hand_over_batch.h"
#include "bridgebot/net/http.h"
#include "bridgebot/net/http_server.h"
#include "support/test_tls.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;
using bridgebot::test::make_test_certificates;
using bridgebot::test::write_ca_file;

namespace {

// Answers with the request's method, path and body so the client side can check all three.
void echo(HttpRequest request, Responder respond) {
  HttpResponse response;
  response.headers.set("X-Method", request.method);
  response.headers.set("X-Path", request.path());
  response.headers.set("X-Name", request.query_param("name"));
  response.body = request.body;
  respond(std::move(response));
}

std::string url_of(const HttpServer& server, const std::string& scheme, const std::string& host,
                   const std::string& target = "/") {
  return scheme + "://" + host + ":" + std::to_string(server.port()) + target;
}

ClientOptions plaintext_options() {
  ClientOptions options;
  options.tls.allow_plaintext = true;
  return options;
}

ServerOptions tls_server_options(const bridgebot::test::TestCertificates& certificates) {
  ServerOptions options;
  options.tls_certificate_pem = certificates.server_cert_pem;
  options.tls_private_key_pem = certificates.server_key_pem;
  return options;
}

ClientRequest post(std::string url, std::string body) {
  ClientRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers.set("Content-Type", "text/plain");
  return request;
}

}  // namespace

TEST_CASE("HTTP request and response round-trip over plain loopback", "[net][http]") {
  HttpServer server(ServerOptions{}, echo);
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  auto response =
      client->send(post(url_of(server, "http", "127.0.0.1", "/api/x?name=a%20b"), "hi"));

  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->body == "hi");
  CHECK(response->headers.get("x-method") == "POST");
  CHECK(response->headers.get("X-Path") == "/api/x");
  CHECK(response->headers.get("X-Name") == "a b");
}

TEST_CASE("HTTPS round-trip trusts a CA given as ca_file, by name and by IP", "[net][http][tls]") {
  const auto certificates = make_test_certificates();
  HttpServer server(tls_server_options(certificates), echo);
  REQUIRE(server.start().ok());
  ClientOptions options;
  options.tls.ca_file = write_ca_file(certificates);
  auto client = make_http_client(options);

  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto response = client->send(post(url_of(server, "https", host), "secret"));
    REQUIRE(response.ok());
    CHECK(response->body == "secret");
  }
}

TEST_CASE("HTTPS refuses a certificate from an unrelated CA", "[net][http][tls]") {
  HttpServer server(tls_server_options(make_test_certificates()), echo);
  REQUIRE(server.start().ok());
  ClientOptions options;
  options.tls.ca_file = write_ca_file(make_test_certificates());  // another CA
  auto client = make_http_client(options);

  auto response = client->send(post(url_of(server, "https", "localhost"), "x"));

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "tls_failed");
  CHECK_FALSE(response.error().transient);
}

TEST_CASE("HTTPS refuses a certificate that does not name the host", "[net][http][tls]") {
  const auto certificates = make_test_certificates();  // names localhost and 127.0.0.1 only
  ServerOptions server_options = tls_server_options(certificates);
  server_options.listen = "127.0.0.2:0";  // all of 127/8 is loopback on Linux
  HttpServer server(server_options, echo);
  REQUIRE(server.start().ok());
  ClientOptions options;
  options.tls.ca_file = write_ca_file(certificates);
  auto client = make_http_client(options);

  auto response = client->send(post(url_of(server, "https", "127.0.0.2"), "x"));

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "tls_failed");
}

TEST_CASE("Plain http is refused unless allow_plaintext", "[net][http]") {
  auto client = make_http_client(ClientOptions{});

  auto response = client->send(post("http://127.0.0.1:9/", "x"));

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "plaintext_refused");
  CHECK_FALSE(response.error().transient);
}

TEST_CASE("A URL that is not http(s) is invalid_url", "[net][http]") {
  auto client = make_http_client(plaintext_options());
  auto response = client->send(post("ftp://127.0.0.1/", "x"));
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "invalid_url");
}

TEST_CASE("Sequential requests reuse one keep-alive connection", "[net][http]") {
  std::mutex mutex;
  std::set<std::string> peers;  // remote_address is ip:port, so one entry per TCP connection
  HttpServer server(ServerOptions{}, [&](HttpRequest request, Responder respond) {
    {
      std::lock_guard lock(mutex);
      peers.insert(request.remote_address);
    }
    respond(HttpResponse{});
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  for (int i = 0; i < 5; ++i)
    REQUIRE(client->send(post(url_of(server, "http", "127.0.0.1"), "")).ok());

  std::lock_guard lock(mutex);
  CHECK(peers.size() == 1);
}

TEST_CASE("An answer larger than the socket's send buffer arrives whole, then the next one",
          "[net][http]") {
  // 6 MiB: more than loopback's send buffer takes at once, so the server writes the rest later.
  std::string big(6 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  HttpServer server(ServerOptions{}, [&](HttpRequest request, Responder respond) {
    HttpResponse response;
    response.body = request.body == "big" ? big : "small";
    respond(std::move(response));
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  auto first = client->send(post(url_of(server, "http", "127.0.0.1"), "big"));
  auto second = client->send(post(url_of(server, "http", "127.0.0.1"), "next"));

  REQUIRE(first.ok());
  CHECK(first->body.size() == big.size());
  CHECK(first->body == big);
  REQUIRE(second.ok());
  CHECK(second->body == "small");
}

TEST_CASE("A pooled connection the server closed is replaced transparently", "[net][http]") {
  ServerOptions options;
  options.idle_timeout = 100ms;  // the server drops idle keep-alive connections quickly
  HttpServer server(options, echo);
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  REQUIRE(client->send(post(url_of(server, "http", "127.0.0.1"), "one")).ok());
  std::this_thread::sleep_for(500ms);
  auto second = client->send(post(url_of(server, "http", "127.0.0.1"), "two"));

  REQUIRE(second.ok());
  CHECK(second->body == "two");
}

TEST_CASE("A request times out against a handler that never answers", "[net][http]") {
  std::mutex mutex;
  std::vector<Responder> never_called;  // outlives the server on purpose
  HttpServer server(ServerOptions{}, [&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    never_called.push_back(std::move(respond));
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());
  ClientRequest request = post(url_of(server, "http", "127.0.0.1"), "x");
  request.timeout = 300ms;

  const auto started = std::chrono::steady_clock::now();
  auto response = client->send(request);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "timeout");
  CHECK(response.error().transient);
  CHECK(elapsed < 10s);
}

TEST_CASE("A body over max_body_bytes gets 413 body_too_large", "[net][http]") {
  ServerOptions options;
  options.max_body_bytes = 1024;
  HttpServer server(options, echo);
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  auto response =
      client->send(post(url_of(server, "http", "127.0.0.1"), std::string(1 << 20, 'x')));

  REQUIRE(response.ok());
  CHECK(response->status == 413);
  CHECK(response->body.find(R"("error":"body_too_large")") != std::string::npos);
}

TEST_CASE("A Responder may be called from another thread", "[net][http]") {
  std::mutex mutex;
  std::vector<std::thread> workers;
  HttpServer server(ServerOptions{}, [&](HttpRequest request, Responder respond) {
    std::lock_guard lock(mutex);
    workers.emplace_back([request = std::move(request), respond = std::move(respond)] {
      std::this_thread::sleep_for(20ms);
      HttpResponse response;
      response.status = 201;
      response.body = "later:" + request.body;
      respond(response);
      respond(HttpResponse{});  // a second call is ignored
    });
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  auto first = client->send(post(url_of(server, "http", "127.0.0.1"), "a"));
  auto second = client->send(post(url_of(server, "http", "127.0.0.1"), "b"));

  for (auto& worker : workers) worker.join();
  REQUIRE(first.ok());
  CHECK(first->status == 201);
  CHECK(first->body == "later:a");
  REQUIRE(second.ok());
  CHECK(second->body == "later:b");
}

// The store writer answers a committed group's requests inside one HandOverBatch.
TEST_CASE("Answers handed over in one batch each reach their own client, on every I/O thread",
          "[net][http]") {
  constexpr int kRequests = 6;
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::pair<std::string, Responder>> waiting;
  ServerOptions options;
  options.threads = 2;  // the connections spread over both loops
  HttpServer server(options, [&](HttpRequest request, Responder respond) {
    std::lock_guard lock(mutex);
    waiting.emplace_back(request.body, std::move(respond));
    arrived.notify_one();
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());
  const std::string url = url_of(server, "http", "127.0.0.1");
  std::vector<std::future<bridgebot::Result<HttpResponse>>> sent;
  for (int i = 0; i < kRequests; ++i) {
    sent.push_back(std::async(std::launch::async, [&, i] {
      return client->send(post(url, "request " + std::to_string(i)));
    }));
  }
  {
    std::unique_lock lock(mutex);
    REQUIRE(arrived.wait_for(lock, 30s, [&] { return waiting.size() == kRequests; }));
  }

  {
    bridgebot::core::HandOverBatch batch;
    for (auto& [body, respond] : waiting) {
      HttpResponse response;
      response.body = "answer to " + body;
      respond(std::move(response));
    }
  }

  for (int i = 0; i < kRequests; ++i) {
    auto response = sent[static_cast<std::size_t>(i)].get();
    REQUIRE(response.ok());
    CHECK(response->body == "answer to request " + std::to_string(i));
  }
}

TEST_CASE("Answers batched before the server went away are dropped, not delivered to it",
          "[net][http]") {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<Responder> waiting;
  auto server = std::make_unique<HttpServer>(ServerOptions{}, [&](HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    waiting.push_back(std::move(respond));
    arrived.notify_one();
  });
  REQUIRE(server->start().ok());
  auto client = make_http_client(plaintext_options());
  const std::string url = url_of(*server, "http", "127.0.0.1");
  auto sent = std::async(std::launch::async, [&] { return client->send(post(url, "x")); });
  {
    std::unique_lock lock(mutex);
    REQUIRE(arrived.wait_for(lock, 30s, [&] { return waiting.size() == 1; }));
  }

  {
    bridgebot::core::HandOverBatch batch;
    waiting.front()(HttpResponse{});
    server.reset();  // its I/O threads and their io_contexts are gone before the batch ends
  }

  CHECK_FALSE(sent.get().ok());
}

TEST_CASE("A handler that drops its Responder unanswered gives 500", "[net][http]") {
  HttpServer server(ServerOptions{}, [](HttpRequest, Responder) {});
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());

  auto response = client->send(post(url_of(server, "http", "127.0.0.1"), "x"));

  REQUIRE(response.ok());
  CHECK(response->status == 500);
}

TEST_CASE("Graceful stop lets an in-flight request finish", "[net][http]") {
  std::promise<void> request_arrived;
  std::thread worker;
  HttpServer server(ServerOptions{}, [&](HttpRequest, Responder respond) {
    request_arrived.set_value();
    worker = std::thread([respond = std::move(respond)] {
      std::this_thread::sleep_for(300ms);
      HttpResponse response;
      response.body = "finished";
      respond(response);
    });
  });
  REQUIRE(server.start().ok());
  auto client = make_http_client(plaintext_options());
  const std::string url = url_of(server, "http", "127.0.0.1");

  auto in_flight = std::async(std::launch::async, [&] { return client->send(post(url, "x")); });
  request_arrived.get_future().wait();
  server.stop(10s);
  auto response = in_flight.get();
  worker.join();

  REQUIRE(response.ok());
  CHECK(response->body == "finished");
  auto after_stop = client->send(post(url, "y"));
  REQUIRE_FALSE(after_stop.ok());
}

TEST_CASE("start() reports a listen address in use as bind_failed", "[net][http]") {
  HttpServer first(ServerOptions{}, echo);
  REQUIRE(first.start().ok());
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(options, echo);

  auto status = second.start();

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == "bind_failed");
}

TEST_CASE("stop() with no grace refuses new connections and cannot be undone", "[net][http]") {
  HttpServer server(ServerOptions{}, echo);
  REQUIRE(server.start().ok());
  const std::string url = url_of(server, "http", "127.0.0.1");

  server.stop(std::chrono::milliseconds{0});

  auto client = make_http_client(plaintext_options());
  auto response = client->send(post(url, "x"));
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "connect_failed");
  auto restarted = server.start();
  REQUIRE_FALSE(restarted.ok());
  CHECK(restarted.error().code == "invalid_state");
}
