// What HttpServer reads of a request, sent byte for byte over a raw socket: the request line,
// every header in order, a body whole however it was framed, and whether the connection stays
// open after the answer.
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bridgebot/net/http_server.h"
#include "support/raw_connection.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;
using bridgebot::test::RawConnection;

namespace {

// Keeps every request it is given and answers "ok".
struct Recorder {
  std::mutex mutex;
  std::vector<HttpRequest> requests;

  RequestHandler handler() {
    return [this](HttpRequest request, Responder respond) {
      {
        std::lock_guard lock(mutex);
        requests.push_back(std::move(request));
      }
      HttpResponse response;
      response.body = "ok";
      respond(std::move(response));
    };
  }
  HttpRequest last() {
    std::lock_guard lock(mutex);
    REQUIRE_FALSE(requests.empty());
    return requests.back();
  }
};

bool answered_ok(RawConnection& connection, std::string_view request) {
  return connection.send(request) &&
         connection.read_for(5s, "\r\n\r\nok").find("200 OK") != std::string::npos;
}

}  // namespace

TEST_CASE("A request reaches the handler with its line, every header in order and its body",
          "[net][http]") {
  Recorder recorder;
  HttpServer server(ServerOptions{}, recorder.handler());
  REQUIRE(server.start().ok());
  RawConnection client(server.port());

  REQUIRE(answered_ok(client,
                      "PATCH /v1/things/7?x=1 HTTP/1.1\r\nHost: test\r\nX-Tag: one\r\n"
                      "x-tag: two\r\nContent-Length: 11\r\n\r\nhello world"));
  const HttpRequest request = recorder.last();
  CHECK(request.method == "PATCH");
  CHECK(request.target == "/v1/things/7?x=1");
  CHECK(request.path_view() == "/v1/things/7");
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "test"}, {"X-Tag", "one"}, {"x-tag", "two"}, {"Content-Length", "11"}};
  CHECK(request.headers.all() == headers);
  CHECK(request.headers.get("X-TAG") == "one");
  CHECK(request.body == "hello world");
  CHECK(request.remote_address.rfind("127.0.0.1:", 0) == 0);
}

TEST_CASE("A chunked body reaches the handler whole; over max_body_bytes it gets 413",
          "[net][http]") {
  Recorder recorder;
  ServerOptions options;
  options.max_body_bytes = 16;
  HttpServer server(options, recorder.handler());
  REQUIRE(server.start().ok());
  RawConnection client(server.port());

  REQUIRE(answered_ok(client,
                      "POST /in HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
  CHECK(recorder.last().body == "hello world");

  RawConnection large(server.port());
  REQUIRE(
      large.send("POST /in HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"));
  CHECK(large.read_for(5s, "}").find("413") != std::string::npos);
}

TEST_CASE("Connection: close and HTTP/1.0 end the connection after the answer, 1.1 keeps it",
          "[net][http]") {
  Recorder recorder;
  HttpServer server(ServerOptions{}, recorder.handler());
  REQUIRE(server.start().ok());

  RawConnection kept(server.port());
  REQUIRE(answered_ok(kept, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"));
  CHECK(answered_ok(kept, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"));

  RawConnection closing(server.port());
  REQUIRE(answered_ok(closing, "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
  CHECK(closing.closed_within(5s));

  RawConnection old(server.port());
  REQUIRE(old.send("GET / HTTP/1.0\r\nHost: test\r\n\r\n"));
  const std::string answer = old.read_for(5s, "\r\n\r\nok");
  CHECK(answer.rfind("HTTP/1.0 200 OK", 0) == 0);
  CHECK(old.closed_within(5s));

  RawConnection old_kept(server.port());
  REQUIRE(answered_ok(old_kept, "GET / HTTP/1.0\r\nHost: test\r\nConnection: keep-alive\r\n\r\n"));
  CHECK(answered_ok(old_kept, "GET / HTTP/1.0\r\nHost: test\r\nConnection: keep-alive\r\n\r\n"));
}
