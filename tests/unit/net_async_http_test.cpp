// AsyncHttpClient against HttpServer over real loopback sockets: the per-host connection limit,
// keep-alive reuse, the one retry on a dead pooled connection, timeouts, host name lookups, TLS
// and shutdown.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "bridgebot/net/async_http.h"
#include "bridgebot/net/event_loops.h"
#include "bridgebot/net/http_server.h"
#include "support/lookup_gate.h"
#include "support/test_tls.h"
#include "support/wait_until.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;
using bridgebot::Result;
using bridgebot::test::lookup_hanging_for;
using bridgebot::test::LookupGate;
using bridgebot::test::make_test_certificates;
using bridgebot::test::wait_until;
using bridgebot::test::write_ca_file;

namespace {

void echo(HttpRequest request, Responder respond) {
  HttpResponse response;
  response.body = request.body;
  respond(std::move(response));
}

std::string url_of(const HttpServer& server, const std::string& scheme = "http",
                   const std::string& host = "127.0.0.1") {
  return scheme + "://" + host + ":" + std::to_string(server.port()) + "/";
}

ClientOptions plaintext_options() {
  ClientOptions options;
  options.tls.allow_plaintext = true;
  return options;
}

ClientRequest post(std::string url, std::string body = "") {
  ClientRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  return request;
}

Result<HttpResponse> send_and_wait(AsyncHttpClient& client, ClientRequest request) {
  std::promise<Result<HttpResponse>> answer;
  auto future = answer.get_future();
  client.send(std::move(request),
              [&answer](Result<HttpResponse> result) { answer.set_value(std::move(result)); });
  return future.get();
}

// A server that records which TCP connection (remote ip:port) each request came on.
struct CountingServer {
  explicit CountingServer(ServerOptions options = {}, RequestHandler then = echo)
      : server(std::move(options),
               [this, then = std::move(then)](HttpRequest request, Responder respond) {
                 {
                   std::lock_guard lock(mutex);
                   peers.insert(request.remote_address);
                   ++requests;
                 }
                 then(std::move(request), std::move(respond));
               }) {
    REQUIRE(server.start().ok());
  }
  std::size_t connections() {
    std::lock_guard lock(mutex);
    return peers.size();
  }
  std::size_t requests_seen() {
    std::lock_guard lock(mutex);
    return requests;
  }

  std::mutex mutex;
  std::set<std::string> peers;
  std::size_t requests = 0;
  HttpServer server;
};

// Holds every Responder it is given, unanswered, until the test lets go of it.
struct Silent {
  void operator()(HttpRequest, Responder respond) {
    std::lock_guard lock(mutex);
    held.push_back(std::move(respond));
  }
  std::mutex mutex;
  std::vector<Responder> held;
};

// The outcome of a request, and when it arrived.
struct Outcome {
  Result<HttpResponse> result;
  std::chrono::steady_clock::time_point at;
};

AsyncHttpClient::Done keep_outcome(std::promise<Outcome>& outcome) {
  return [&outcome](Result<HttpResponse> result) {
    outcome.set_value({std::move(result), std::chrono::steady_clock::now()});
  };
}

}  // namespace

TEST_CASE("Async: done runs once, on the client's thread, with the answer", "[net][async_http]") {
  CountingServer counting;
  auto client = make_async_http_client(plaintext_options());
  std::promise<std::thread::id> ran_on;
  std::atomic<int> calls{0};

  client->send(post(url_of(counting.server), "hello"), [&](Result<HttpResponse> result) {
    CHECK(result.ok());
    if (result.ok()) CHECK(result->body == "hello");
    if (++calls == 1) ran_on.set_value(std::this_thread::get_id());
  });

  CHECK(ran_on.get_future().get() != std::this_thread::get_id());
  client.reset();
  CHECK(calls == 1);
}

TEST_CASE("Async: errors found before any I/O still arrive through done, not inside send()",
          "[net][async_http]") {
  auto client = make_async_http_client(ClientOptions{});
  for (const auto& [url, code] : std::vector<std::pair<std::string, std::string>>{
           {"ftp://127.0.0.1/", "invalid_url"},
           {"http://127.0.0.1:9/", "plaintext_refused"},
           {"not a url", "invalid_url"}}) {
    std::promise<std::pair<std::thread::id, std::string>> answer;
    client->send(post(url), [&answer](Result<HttpResponse> result) {
      answer.set_value({std::this_thread::get_id(), result.ok() ? "ok" : result.error().code});
    });
    const auto [thread, error] = answer.get_future().get();
    CHECK(thread != std::this_thread::get_id());
    CHECK(error == code);
  }
}

TEST_CASE("Async: many requests in flight to one host share max_connections_per_host connections",
          "[net][async_http]") {
  std::mutex mutex;
  std::vector<std::thread> answering;
  int in_flight = 0;
  int most_in_flight = 0;
  CountingServer counting({}, [&](HttpRequest request, Responder respond) {
    std::lock_guard lock(mutex);
    most_in_flight = std::max(most_in_flight, ++in_flight);
    answering.emplace_back([&, request = std::move(request), respond = std::move(respond)] {
      std::this_thread::sleep_for(20ms);  // keeps each connection busy while the rest queue
      {
        std::lock_guard inner(mutex);
        --in_flight;
      }
      echo(request, respond);
    });
  });
  ClientOptions options = plaintext_options();
  options.max_connections_per_host = 4;
  auto client = make_async_http_client(options);

  constexpr int kRequests = 20;
  std::vector<std::promise<Result<HttpResponse>>> answers(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    client->send(post(url_of(counting.server), std::to_string(i)),
                 [&answers, i](Result<HttpResponse> result) {
                   answers[static_cast<std::size_t>(i)].set_value(std::move(result));
                 });
  }
  for (int i = 0; i < kRequests; ++i) {
    auto result = answers[static_cast<std::size_t>(i)].get_future().get();
    REQUIRE(result.ok());
    CHECK(result->body == std::to_string(i));
  }

  for (auto& thread : answering) thread.join();
  CHECK(counting.connections() == 4);  // all four opened at once, then reused
  CHECK(most_in_flight == 4);
}

TEST_CASE("Async: sequential requests reuse one keep-alive connection", "[net][async_http]") {
  CountingServer counting;
  auto client = make_async_http_client(plaintext_options());

  for (int i = 0; i < 5; ++i) REQUIRE(send_and_wait(*client, post(url_of(counting.server))).ok());

  CHECK(counting.connections() == 1);
}

TEST_CASE("Async: a pooled connection the server closed is replaced and the request sent once more",
          "[net][async_http]") {
  ServerOptions options;
  options.idle_timeout = 100ms;  // the server drops idle keep-alive connections quickly
  CountingServer counting(options);
  auto client = make_async_http_client(plaintext_options());

  REQUIRE(send_and_wait(*client, post(url_of(counting.server), "one")).ok());
  std::this_thread::sleep_for(500ms);
  auto second = send_and_wait(*client, post(url_of(counting.server), "two"));

  REQUIRE(second.ok());
  CHECK(second->body == "two");
  CHECK(counting.connections() == 2);
  CHECK(counting.requests_seen() == 2);
}

TEST_CASE("Async: a request that times out on a pooled connection is not sent again",
          "[net][async_http]") {
  Silent silent;
  bool answer_first = true;
  CountingServer counting({}, [&](HttpRequest request, Responder respond) {
    if (std::exchange(answer_first, false)) return echo(std::move(request), std::move(respond));
    silent(std::move(request), std::move(respond));
  });
  auto client = make_async_http_client(plaintext_options());
  REQUIRE(send_and_wait(*client, post(url_of(counting.server))).ok());  // pools the connection
  ClientRequest request = post(url_of(counting.server), "x");
  request.timeout = 300ms;

  auto response = send_and_wait(*client, request);

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "timeout");
  CHECK(response.error().transient);
  CHECK(counting.requests_seen() == 2);
}

TEST_CASE("Async: HTTPS needs the server's CA: refused without it, trusted with ca_file",
          "[net][async_http][tls]") {
  const auto certificates = make_test_certificates();
  ServerOptions server_options;
  server_options.tls_certificate_pem = certificates.server_cert_pem;
  server_options.tls_private_key_pem = certificates.server_key_pem;
  CountingServer counting(server_options);
  const std::string url = url_of(counting.server, "https", "localhost");

  auto untrusting = make_async_http_client(ClientOptions{});
  auto refused = send_and_wait(*untrusting, post(url, "x"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "tls_failed");
  CHECK_FALSE(refused.error().transient);

  ClientOptions trusting;
  trusting.tls.ca_file = write_ca_file(certificates);
  auto client = make_async_http_client(trusting);
  auto answered = send_and_wait(*client, post(url, "secret"));
  REQUIRE(answered.ok());
  CHECK(answered->body == "secret");
}

TEST_CASE("Async: HTTPS refuses a certificate that does not name the host",
          "[net][async_http][tls]") {
  const auto certificates = make_test_certificates();  // names localhost and 127.0.0.1 only
  ServerOptions server_options;
  server_options.tls_certificate_pem = certificates.server_cert_pem;
  server_options.tls_private_key_pem = certificates.server_key_pem;
  server_options.listen = "127.0.0.2:0";  // all of 127/8 is loopback on Linux
  CountingServer counting(server_options);
  ClientOptions options;
  options.tls.ca_file = write_ca_file(certificates);
  auto client = make_async_http_client(options);

  auto response = send_and_wait(*client, post(url_of(counting.server, "https", "127.0.0.2")));

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "tls_failed");
}

TEST_CASE("Async: a refused connection is connect_failed", "[net][async_http]") {
  HttpServer server(ServerOptions{}, echo);
  REQUIRE(server.start().ok());
  const std::string url = url_of(server);
  server.stop(0ms);  // the port is now closed
  auto client = make_async_http_client(plaintext_options());

  auto response = send_and_wait(*client, post(url));

  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == "connect_failed");
  CHECK(response.error().transient);
}

TEST_CASE("Async: destroying the client completes every pending request with cancelled",
          "[net][async_http]") {
  Silent silent;
  CountingServer counting({}, std::ref(silent));
  ClientOptions options = plaintext_options();
  options.max_connections_per_host = 2;
  options.request_timeout = 1h;  // a destructor that waited for it would hang the test
  auto client = make_async_http_client(options);

  constexpr int kRequests = 5;  // two on the wire, three queued
  std::mutex mutex;
  std::vector<std::string> outcomes;
  for (int i = 0; i < kRequests; ++i) {
    client->send(post(url_of(counting.server)), [&](Result<HttpResponse> result) {
      std::lock_guard lock(mutex);
      outcomes.push_back(result.ok() ? "ok"
                                     : result.error().code +
                                           (result.error().transient ? "/transient" : ""));
    });
  }
  REQUIRE(wait_until([&] { return counting.requests_seen() == 2; }, 10s));

  client.reset();

  std::lock_guard lock(mutex);
  CHECK(outcomes == std::vector<std::string>(kRequests, "cancelled/transient"));
}

TEST_CASE("Async: response bodies up to 64 MiB arrive whole, larger ones are io_error",
          "[net][async_http]") {
  CountingServer counting({}, [](HttpRequest request, Responder respond) {
    HttpResponse response;
    response.body.assign(std::stoul(request.body), 'x');
    respond(std::move(response));
  });
  auto client = make_async_http_client(plaintext_options());
  const std::size_t limit = 64u * 1024 * 1024;

  auto within = send_and_wait(*client, post(url_of(counting.server), std::to_string(limit / 4)));
  REQUIRE(within.ok());
  CHECK(within->body.size() == limit / 4);  // over Beast's own default limit of 8 MiB

  auto over = send_and_wait(*client, post(url_of(counting.server), std::to_string(limit + 1)));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == "io_error");
  CHECK(counting.requests_seen() == 2);  // a byte of the answer had come: no second attempt
}

TEST_CASE(
    "Async: a host whose name lookup hangs holds up no other host, and its requests only "
    "for connect_timeout",
    "[net][async_http][dns]") {
  CountingServer counting;
  auto gate = std::make_shared<LookupGate>();
  std::promise<Outcome> hung;  // before the client, whose destructor may still complete it
  ClientOptions options = plaintext_options();
  options.connect_timeout = 2s;  // the budget of the lookup and the connect together
  options.host_lookup = lookup_hanging_for("hung.test", gate);
  auto client = make_async_http_client(options);
  const std::string port = std::to_string(counting.server.port());

  const auto sent = std::chrono::steady_clock::now();
  client->send(post("http://hung.test:" + port + "/", "stuck"), keep_outcome(hung));
  REQUIRE(wait_until([&] { return gate->hanging() == 1; }, 10s));

  auto other = send_and_wait(*client, post("http://other.test:" + port + "/", "through"));
  REQUIRE(other.ok());
  CHECK(other->body == "through");
  CHECK(gate->hanging() == 1);  // answered while the first lookup still hangs

  auto future = hung.get_future();
  REQUIRE(future.wait_for(60s) == std::future_status::ready);  // the lookup hangs for 120 s
  const auto failure = future.get();
  REQUIRE_FALSE(failure.result.ok());
  CHECK(failure.result.error().code == "dns_failed");
  CHECK(failure.result.error().transient);
  CHECK(failure.result.error().message.find("timed out") != std::string::npos);
  CHECK(failure.at - sent >= 2s);
  CHECK(gate->hanging() == 1);  // the client stopped waiting; the lookup did not end
  CHECK(counting.requests_seen() == 1);

  gate->open();  // the name server answers at last: the host works again
  auto later = send_and_wait(*client, post("http://hung.test:" + port + "/", "later"));
  REQUIRE(later.ok());
  CHECK(later->body == "later");
}

TEST_CASE("Async: a lookup that ends after its client was destroyed goes nowhere",
          "[net][async_http][dns]") {
  auto gate = std::make_shared<LookupGate>();
  std::promise<Outcome> outcome;
  ClientOptions options = plaintext_options();
  options.host_lookup = lookup_hanging_for("hung.test", gate);
  auto client = make_async_http_client(options);
  options.host_lookup = nullptr;  // only the client holds the lookup now
  client->send(post("http://hung.test:9/"), keep_outcome(outcome));
  REQUIRE(wait_until([&] { return gate->hanging() == 1; }, 10s));

  client.reset();
  CHECK(outcome.get_future().get().result.error().code == "cancelled");
  gate->open();

  // The lookup's thread lets go of what it held, the lookup function included, once it ends.
  CHECK(wait_until([&] { return gate.use_count() == 1; }, 10s));
}

TEST_CASE(
    "Async: a request queued behind a busy connection fails at its deadline as queue_timeout, "
    "unsent",
    "[net][async_http]") {
  Silent silent;
  CountingServer counting({}, std::ref(silent));
  std::promise<Outcome> first;
  std::promise<Outcome> queued;
  ClientOptions options = plaintext_options();
  options.max_connections_per_host = 1;
  options.request_timeout = 1h;
  auto client = make_async_http_client(options);

  client->send(post(url_of(counting.server), "first"), keep_outcome(first));
  REQUIRE(wait_until([&] { return counting.requests_seen() == 1; }, 10s));
  ClientRequest request = post(url_of(counting.server), "queued");
  request.timeout = 500ms;
  client->send(request, keep_outcome(queued));

  auto future = queued.get_future();
  REQUIRE(future.wait_for(60s) == std::future_status::ready);
  const auto outcome = future.get();
  REQUIRE_FALSE(outcome.result.ok());
  CHECK(outcome.result.error().code == "queue_timeout");  // not "timeout": safe to repeat
  CHECK(outcome.result.error().transient);
  CHECK(outcome.result.error().message.find("not sent") != std::string::npos);
  CHECK(first.get_future().wait_for(0s) == std::future_status::timeout);  // still busy
  CHECK(counting.requests_seen() == 1);                                   // never sent
}

TEST_CASE("Async: a request that gets its connection late has only the rest of its timeout",
          "[net][async_http]") {
  Silent silent;
  CountingServer counting({}, std::ref(silent));
  std::promise<Outcome> first;
  std::promise<Outcome> late;
  ClientOptions options = plaintext_options();
  options.max_connections_per_host = 1;
  options.request_timeout = 1h;
  auto client = make_async_http_client(options);

  client->send(post(url_of(counting.server), "first"), keep_outcome(first));
  REQUIRE(wait_until([&] { return counting.requests_seen() == 1; }, 10s));
  ClientRequest request = post(url_of(counting.server), "late");
  request.timeout = 4s;
  client->send(request, keep_outcome(late));
  std::this_thread::sleep_for(2s);  // half its timeout waiting for the one connection
  const auto released = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(silent.mutex);
    silent.held.front()(HttpResponse{});
  }

  REQUIRE(first.get_future().get().result.ok());
  auto future = late.get_future();
  REQUIRE(future.wait_for(60s) == std::future_status::ready);
  const auto outcome = future.get();
  REQUIRE_FALSE(outcome.result.ok());
  CHECK(outcome.result.error().code == "timeout");
  CHECK(counting.requests_seen() == 2);  // it went out on the connection the first one freed
  CHECK(outcome.at - released < 4s);     // about 2 s left, not a fresh 4 s
}

TEST_CASE(
    "Async: once every call is answered, its loops shut down at once, though a call waited for a "
    "connection",
    "[net][async_http]") {
  // Each answer takes a moment, so the second call waits in the host's queue for the one
  // connection; that queue's deadline timer must not outlive the wait (the dispatcher's stop
  // shuts these loops down, and would wait until the deadline: here an hour).
  CountingServer counting({}, [](HttpRequest request, Responder respond) {
    std::this_thread::sleep_for(100ms);
    echo(std::move(request), std::move(respond));
  });
  EventLoops loops(1, "test-loop");
  ClientOptions options = plaintext_options();
  options.max_connections_per_host = 1;
  options.request_timeout = 1h;
  auto client = make_async_http_client(options, loops);
  std::promise<Outcome> first;
  std::promise<Outcome> second;
  client->send(post(url_of(counting.server), "first"), keep_outcome(first));
  client->send(post(url_of(counting.server), "second"), keep_outcome(second));
  REQUIRE(first.get_future().get().result.ok());
  REQUIRE(second.get_future().get().result.ok());
  REQUIRE(counting.connections() == 1);  // the second did wait for the first's connection

  auto shut = std::async(std::launch::async, [&] { loops.shutdown(); });
  const bool down = shut.wait_for(60s) == std::future_status::ready;
  CHECK(down);
  if (!down) std::quick_exit(1);  // a loop blocked for an hour: no point waiting for it
}
