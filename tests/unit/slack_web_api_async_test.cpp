// WebApi's coroutine calls over an AsyncHttpClient: the same pacing and Retry-After as the
// blocking calls (one Pacer drives both), many calls waiting for Slack on one executor thread,
// and a pause cut short at shutdown ending the call unsent (with what is left of a Retry-After).
#include <catch2/catch.hpp>
#include <future>
#include <vector>

#include "bridgebot/core/thread_executor.h"
#include "unit/slack_fake_async_http.h"

using namespace slack_test;
using namespace std::chrono_literals;
using bridgebot::Error;
using bridgebot::Result;
using bridgebot::Status;
using bridgebot::core::start_detached;
using bridgebot::core::Task;
using bridgebot::core::ThreadExecutor;
using bridgebot::slack::PostedMessage;
using bridgebot::slack::SlackUser;
using bridgebot::slack::TeamToken;

namespace {

const TeamToken kBot{"T1", "xoxb-secret-token"};
const char* kPosted = R"({"ok":true,"channel":"C1","ts":"1.1"})";

// A WebApi whose `_async` calls go over a FakeAsyncHttpClient answering from `http`'s script.
struct AsyncHarness {
  explicit AsyncHarness(bool fake_sleep = true, slack::RateLimiterOptions limits = {},
                        slack::RetryPolicy policy = {})
      : limiter(clock, limits),
        api(
            http, "https://slack.test/api/", clock, limiter, policy,
            fake_sleep ? slack::WebApi::SleepFunction(
                             [this](core::Clock::Duration d) { clock.advance(d); })
                       : slack::WebApi::SleepFunction{},
            [] { return 0.5; }, {}, &async_http) {}

  // Starts `task` on the executor; the future has its result.
  template <typename T>
  std::future<T> run(std::function<Task<T>()> make) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    executor.post([make = std::move(make), promise] {
      start_detached(make(), [promise](T result) { promise->set_value(std::move(result)); });
    });
    return future;
  }

  core::FakeClock clock;
  FakeHttpClient http{clock};
  FakeAsyncHttpClient async_http{http};
  slack::RateLimiter limiter;
  slack::WebApi api;
  ThreadExecutor executor{1};
};

}  // namespace

TEST_CASE("an async chat.postMessage after a 429 is sent again exactly Retry-After later",
          "[slack][async]") {
  AsyncHarness h;
  h.http.answer(429, R"({"ok":false,"error":"rate_limited"})", {{"Retry-After", "7"}});
  h.http.answer_ok(kPosted);

  auto posted = h.run<Result<PostedMessage>>([&] {
                   slack::PostMessageRequest request{.channel = "C1", .text = "x"};
                   return h.api.chat_post_message_async(kBot, std::move(request));
                 }).get();

  REQUIRE(posted.ok());
  CHECK(posted->ts == "1.1");
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].at - sent[0].at == 7s);
  CHECK(sent[0].request.url == "https://slack.test/api/chat.postMessage");
}

TEST_CASE("async calls share the blocking calls' rate limiter: a 429 told to one holds the other",
          "[slack][async]") {
  slack::RetryPolicy once;
  once.max_attempts = 1;
  AsyncHarness h(true, {}, once);
  h.http.answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "30"}});
  h.http.answer_ok(R"({"ok":true,"channel":{"id":"D2"}})");

  // The blocking call is told 30 s and hands the error back; the async call after it may not
  // go inside that window.
  auto blocking = h.api.conversations_open(kBot, "U1");
  REQUIRE_FALSE(blocking.ok());
  auto opened =
      h.run<Result<std::string>>([&] { return h.api.conversations_open_async(kBot, "U2"); }).get();

  REQUIRE(opened.ok());
  CHECK(*opened == "D2");
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].at - sent[0].at == 30s);
}

TEST_CASE("many async calls wait for Slack at once on one executor thread", "[slack][async]") {
  AsyncHarness h;
  constexpr int kCalls = 40;
  for (int i = 0; i < kCalls; ++i) h.http.answer_ok(kPosted);
  h.async_http.hold();

  std::vector<std::future<Result<PostedMessage>>> posts;
  for (int i = 0; i < kCalls; ++i) {
    // One channel each: the per-channel buckets do not pace them.
    posts.push_back(h.run<Result<PostedMessage>>([&, i] {
      slack::PostMessageRequest request{.channel = "C" + std::to_string(i), .text = "x"};
      return h.api.chat_post_message_async(kBot, std::move(request));
    }));
  }
  CHECK(h.async_http.wait_in_flight(kCalls));  // all sent before any answer came
  h.async_http.release();
  for (auto& post : posts) CHECK(post.get().ok());
  CHECK(h.async_http.peak_in_flight() == kCalls);
}

TEST_CASE("a pacing wait cut short at shutdown ends the call unsent, as cancelled",
          "[slack][async]") {
  slack::RateLimiterOptions limits;
  limits.webhook = {1h, 1};  // the second post to one webhook waits an hour
  slack::RetryPolicy policy;
  policy.max_wait = 2h;
  AsyncHarness h(/*fake_sleep=*/false, limits, policy);
  h.http.answer(200, "ok");
  h.http.answer(200, "ok");
  const std::string url = "https://hooks.slack.test/services/T1/B1/secret";

  auto first = h.run<Status>([&] { return h.api.post_incoming_webhook_async("T1", url, "{}"); });
  REQUIRE(first.get().ok());
  auto second = h.run<Status>([&] { return h.api.post_incoming_webhook_async("T1", url, "{}"); });
  CHECK(second.wait_for(50ms) == std::future_status::timeout);  // waiting for its slot
  h.executor.cancel_timers();

  Status cancelled = second.get();
  REQUIRE_FALSE(cancelled.ok());
  CHECK(cancelled.error().code == "cancelled");
  CHECK(cancelled.error().transient);
  CHECK_FALSE(cancelled.error().retry_after);  // our own pacing: no window of Slack's to keep
  CHECK(h.http.count() == 1);
}

TEST_CASE("an async users.lookupByEmail told to wait holds no thread and is cut short at shutdown",
          "[slack][async]") {
  AsyncHarness h(/*fake_sleep=*/false);
  h.http.answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "20"}});
  h.http.answer_ok(R"({"ok":true,"user":{"id":"U3","profile":{"email":"carol@example.com"}}})");

  auto lookup = h.run<Result<SlackUser>>(
      [&] { return h.api.users_lookup_by_email_async(kBot, "bob@example.com"); });
  // Waiting out the Retry-After on a timer: the executor's one thread runs another call.
  auto other = h.run<Result<SlackUser>>([&] {
    return h.api.users_lookup_by_email_async({"T2", "xoxb-other"}, "carol@example.com");
  });
  REQUIRE(other.get().ok());
  CHECK(lookup.wait_for(50ms) == std::future_status::timeout);

  h.executor.cancel_timers();
  auto cancelled = lookup.get();
  REQUIRE_FALSE(cancelled.ok());
  CHECK(cancelled.error().code == "cancelled");
  CHECK(cancelled.error().transient);
  // What is left of Slack's window goes with the error: whoever asks next waits it out.
  CHECK(cancelled.error().retry_after == std::chrono::milliseconds(20s));
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].request.url == "https://slack.test/api/users.lookupByEmail");
  CHECK(sent[0].request.body.rfind("email=bob", 0) == 0);
}
