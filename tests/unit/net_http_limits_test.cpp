// HttpServer's limits against clients that misbehave on purpose (raw sockets): a connection cap,
// header/body/idle deadlines, and a bounded drain after 413.
#include <fcntl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "bridgebot/net/http_server.h"
#include "support/raw_connection.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;
using bridgebot::test::RawConnection;

namespace {

void ok(HttpRequest, Responder respond) {
  HttpResponse response;
  response.body = "ok";
  respond(std::move(response));
}

constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

// Long enough that only the limit under test can close a connection within the test's wait.
ServerOptions patient_options() {
  ServerOptions options;
  options.idle_timeout = 60s;
  options.header_timeout = 60s;
  options.body_timeout = 60s;
  return options;
}

bool answered_ok(RawConnection& connection) {
  if (!connection.send(kGet)) return false;
  return connection.read_for(5s, "\r\n\r\nok").find("200 OK") != std::string::npos;
}

[[maybe_unused]] std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Takes every file descriptor this process may still open (under a lowered soft limit), but the
// ones given back; restores everything when destroyed.
class DescriptorHog {
 public:
  DescriptorHog() {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    const int lowest_free = ::open("/dev/null", O_RDONLY);
    REQUIRE(lowest_free >= 0);
    ::close(lowest_free);
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free) + 64;  // a little above what is in use
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY);
      if (fd < 0) break;
      held_.push_back(fd);
    }
  }
  ~DescriptorHog() {
    give_back_all();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  void give_back_one() {
    ::close(held_.back());
    held_.pop_back();
  }
  void give_back_all() {
    for (int fd : held_) ::close(fd);
    held_.clear();
  }

 private:
  rlimit saved_{};
  std::vector<int> held_;
};

// Sends spdlog's default logger to a string for the life of this object.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return text_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

}  // namespace

// Not under the sanitizers: with every descriptor taken, UBSan's vptr check cannot read the
// process's memory maps and reports valid objects (fmt's buffer, Asio's scheduler) as invalid.
#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("Out of descriptors, the server pauses accepting, says so once, and recovers",
          "[net][http][limits]") {
  HttpServer server(patient_options(), ok);
  auto started = server.start();
  INFO((started.ok() ? std::string("ok") : started.error().to_string()));
  REQUIRE(started.ok());
  CapturedLog log;
  std::unique_ptr<RawConnection> client;
  {
    DescriptorHog hog;
    hog.give_back_one();  // for the client's socket: the server's accept finds none left
    client = std::make_unique<RawConnection>(server.port());
    REQUIRE(client->connected());
    std::this_thread::sleep_for(1500ms);  // several pauses' worth of accept attempts
  }
  CHECK(count_of(log.text(), "cannot accept connections") == 1);
  CHECK(answered_ok(*client));  // accepted once descriptors were free again
}
#endif

TEST_CASE("Connections over max_connections are answered 503 and closed", "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.max_connections = 2;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  auto first = std::make_unique<RawConnection>(server.port());
  RawConnection second(server.port());
  REQUIRE(answered_ok(*first));  // both are open and counted before the third arrives
  REQUIRE(answered_ok(second));

  RawConnection third(server.port());
  const std::string refused = third.read_for(5s);

  CHECK(refused.find("503 Service Unavailable") != std::string::npos);
  CHECK(refused.find(R"("error":"overloaded")") != std::string::npos);
  CHECK(refused.find("Retry-After: 1") != std::string::npos);
  CHECK(third.closed_within(5s));
  CHECK(answered_ok(second));  // the open ones are untouched

  first.reset();  // a slot frees up
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    RawConnection next(server.port());
    served = answered_ok(next);
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
}

TEST_CASE("A client that stalls in the middle of its header is closed after header_timeout",
          "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.header_timeout = 300ms;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());

  RawConnection silent(server.port());  // connects and sends nothing
  RawConnection stalled(server.port());
  REQUIRE(stalled.send("GET / HTTP/1.1\r\nHost: test\r\n"));

  CHECK(silent.closed_within(10s));
  CHECK(stalled.closed_within(10s));
}

TEST_CASE("A client trickling its header byte by byte is closed after header_timeout",
          "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.header_timeout = 500ms;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  RawConnection trickler(server.port());

  bool closed = false;
  const std::string header = "GET / HTTP/1.1\r\nX-Slow: " + std::string(1000, 'a');
  for (std::size_t i = 0; i < header.size() && !closed; ++i) {
    closed = !trickler.send(header.substr(i, 1)) || trickler.closed_within(50ms);
  }

  CHECK(closed);  // 1000 bytes at one per 50 ms would take 50 s
}

TEST_CASE("A client trickling its body is closed after body_timeout", "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.body_timeout = 500ms;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  RawConnection trickler(server.port());
  REQUIRE(trickler.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n"));

  bool closed = false;
  for (int i = 0; i < 1000 && !closed; ++i) {
    closed = !trickler.send("x") || trickler.closed_within(50ms);
  }

  CHECK(closed);
}

TEST_CASE("A kept-alive connection may wait longer than header_timeout between requests",
          "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.header_timeout = 200ms;
  options.idle_timeout = 20s;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  RawConnection client(server.port());

  REQUIRE(answered_ok(client));
  std::this_thread::sleep_for(800ms);

  CHECK(answered_ok(client));
}

TEST_CASE("An idle kept-alive connection is closed after idle_timeout", "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.idle_timeout = 300ms;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  RawConnection client(server.port());

  REQUIRE(answered_ok(client));

  CHECK(client.closed_within(10s));
}

TEST_CASE("A connection kept busy for longer than idle_timeout stays open, then idles out",
          "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.idle_timeout = 300ms;
  std::atomic<bool> slow{false};
  HttpServer server(options, [&slow](HttpRequest, Responder respond) {
    if (slow) std::this_thread::sleep_for(500ms);  // a handler slower than idle_timeout
    ok({}, std::move(respond));
  });
  REQUIRE(server.start().ok());
  RawConnection client(server.port());

  // Requests 100 ms apart for over three idle_timeouts: each wait is short, so none idles out.
  for (int i = 0; i < 12; ++i) {
    REQUIRE(answered_ok(client));
    std::this_thread::sleep_for(100ms);
  }
  slow = true;
  CHECK(answered_ok(client));
  slow = false;
  CHECK(answered_ok(client));

  CHECK(client.closed_within(10s));
}

TEST_CASE("A client still trickling a body after its 413 is closed", "[net][http][limits]") {
  ServerOptions options = patient_options();
  options.max_body_bytes = 1024;
  HttpServer server(options, ok);
  REQUIRE(server.start().ok());
  RawConnection client(server.port());
  REQUIRE(client.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100000000\r\n\r\n"));
  REQUIRE(client.read_for(2s, "body_too_large").find("413") != std::string::npos);

  bool closed = false;
  for (int i = 0; i < 400 && !closed; ++i) {  // 20 s of one byte per 50 ms, unless closed
    closed = !client.send("x") || client.closed_within(50ms);
  }

  CHECK(closed);
}
