// EventLoops: an Executor whose loops also carry the I/O of the HTTP clients made on them, so a
// request sent from a loop is answered on that same loop (no hand-off between threads).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "bridgebot/core/hand_over_batch.h"
#include "bridgebot/net/async_http.h"
#include "bridgebot/net/event_loops.h"
#include "bridgebot/net/http_server.h"
#include "support/wait_until.h"

using namespace bridgebot::net;
using namespace std::chrono_literals;
using bridgebot::Result;
using bridgebot::core::Executor;
using bridgebot::test::wait_until;

namespace {

struct EchoServer {
  EchoServer() { REQUIRE(server.start().ok()); }
  HttpServer server{{}, [](HttpRequest request, Responder respond) {
                      HttpResponse response;
                      response.body = request.body;
                      respond(std::move(response));
                    }};
};

ClientRequest post_to(const EchoServer& echo, std::string body) {
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(echo.server.port()) + "/";
  request.body = std::move(body);
  return request;
}

ClientOptions plaintext_options() {
  ClientOptions options;
  options.tls.allow_plaintext = true;
  return options;
}

}  // namespace

TEST_CASE("EventLoops: jobs run on the loops, and a job posted from a loop stays on it",
          "[net][event_loops]") {
  EventLoops loops(2);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  int followed_on_same_thread = 0;
  constexpr int kJobs = 100;
  for (int i = 0; i < kJobs; ++i) {
    loops.post([&] {
      REQUIRE(Executor::current() == &loops);
      const auto first = std::this_thread::get_id();
      loops.post([&, first] {
        std::lock_guard lock(mutex);
        if (std::this_thread::get_id() == first) ++followed_on_same_thread;
      });
      std::lock_guard lock(mutex);
      threads.insert(first);
    });
  }
  loops.shutdown();
  CHECK(threads.size() == 2);  // work from outside takes turns
  CHECK(followed_on_same_thread == kJobs);
  CHECK(Executor::current() == nullptr);
}

TEST_CASE("EventLoops: jobs posted in a hand-over batch reach the loop when it ends, each a turn",
          "[net][loops]") {
  EventLoops loops(1, "test-loop");
  std::atomic<bool> batched_ran{false};
  std::promise<std::uint64_t> first_turn, second_turn;
  {
    bridgebot::core::HandOverBatch batch;
    loops.post([&] {
      batched_ran = true;
      first_turn.set_value(Executor::turn());
    });
    loops.post([&] { second_turn.set_value(Executor::turn()); });
    // A job posted afterwards from a thread without a batch runs first: the batched ones are
    // still held (posted at once, they would have run before it on the one loop).
    std::promise<bool> later_saw;
    std::thread([&] { loops.post([&] { later_saw.set_value(batched_ran.load()); }); }).join();
    CHECK_FALSE(later_saw.get_future().get());
  }
  const std::uint64_t first = first_turn.get_future().get();
  const std::uint64_t second = second_turn.get_future().get();
  CHECK(batched_ran);
  CHECK(first != 0);
  CHECK(second != first);  // one job's turn does not leak into the next one's
}

TEST_CASE("EventLoops: timers fire after their delay; cancel_timers ends waiting and later ones",
          "[net][event_loops]") {
  EventLoops loops(2);
  std::promise<bool> short_one;
  loops.post_after(5ms, [&](bool elapsed) { short_one.set_value(elapsed); });
  CHECK(short_one.get_future().get());

  std::promise<bool> waiting;
  std::promise<bool> set_on_a_loop;
  loops.post_after(1h, [&](bool elapsed) { waiting.set_value(elapsed); });
  loops.post([&] {  // a timer set from a loop waits on that loop
    loops.post_after(1h, [&](bool elapsed) { set_on_a_loop.set_value(elapsed); });
  });
  loops.cancel_timers();
  CHECK_FALSE(waiting.get_future().get());
  CHECK_FALSE(set_on_a_loop.get_future().get());

  std::promise<bool> later;
  loops.post_after(1h, [&](bool elapsed) { later.set_value(elapsed); });
  CHECK_FALSE(later.get_future().get());
}

TEST_CASE("EventLoops: shutdown runs what is posted, then joins; later jobs are dropped",
          "[net][event_loops]") {
  std::atomic<int> ran{0};
  {
    EventLoops loops(2);
    for (int i = 0; i < 10; ++i) {
      loops.post([&] {
        ++ran;
        loops.post([&] { ++ran; });
      });
    }
    loops.post_after(1h, [&](bool elapsed) { ran += elapsed ? 100 : 1; });
    loops.shutdown();
    CHECK(ran == 21);
    loops.post([&] { ++ran; });
  }
  CHECK(ran == 21);
}

TEST_CASE("EventLoops: a request sent from a loop is answered on that loop",
          "[net][event_loops][async_http]") {
  EchoServer server;
  EventLoops loops(2);
  auto client = make_async_http_client(plaintext_options(), loops);

  constexpr int kRequests = 40;
  std::mutex mutex;
  std::map<std::thread::id, int> sent_from;
  int answered_where_sent = 0;
  int answered_ok = 0;
  std::atomic<int> answers{0};
  for (int i = 0; i < kRequests; ++i) {
    loops.post([&, i] {
      const auto sender = std::this_thread::get_id();
      {
        std::lock_guard lock(mutex);
        ++sent_from[sender];
      }
      client->send(post_to(server, std::to_string(i)), [&, sender](Result<HttpResponse> answer) {
        std::lock_guard lock(mutex);
        if (std::this_thread::get_id() == sender) ++answered_where_sent;
        if (answer.ok()) ++answered_ok;
        ++answers;
      });
    });
  }
  REQUIRE(wait_until([&] { return answers == kRequests; }, 10s));
  std::lock_guard lock(mutex);
  CHECK(sent_from.size() == 2);  // both loops sent some
  CHECK(answered_ok == kRequests);
  CHECK(answered_where_sent == kRequests);
}

TEST_CASE("EventLoops: a client outlives its loops' shutdown and is destroyed cleanly",
          "[net][event_loops][async_http]") {
  EchoServer server;
  EventLoops loops(2);
  auto client = make_async_http_client(plaintext_options(), loops);
  std::promise<Result<HttpResponse>> answer;
  client->send(post_to(server, "hi"),
               [&](Result<HttpResponse> result) { answer.set_value(std::move(result)); });
  auto result = answer.get_future().get();
  REQUIRE(result.ok());
  CHECK(result->body == "hi");
  loops.shutdown();  // the dispatcher's stop() does this before the client goes
  client.reset();
}
