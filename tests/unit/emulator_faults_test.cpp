// Scripted faults: consumed in order, per method or for any call, each with Slack's shape.
#include <catch2/catch.hpp>

#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"

namespace emu = bridgebot::emulator;
using bridgebot::core::FakeClock;
using emu::Fault;
using namespace std::chrono_literals;

namespace {

struct Slack {
  FakeClock clock;
  emu::Emulator emulator{clock};
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);

  bridgebot::net::HttpRequest post_request() {
    return emu::web_api_form_request("chat.postMessage", demo.bot_token,
                                     {{"channel", "C0002"}, {"text", "x"}});
  }
  bridgebot::net::HttpResponse post() { return emulator.handle(post_request()); }
  bridgebot::net::HttpResponse auth_test() {
    return emulator.handle(emu::web_api_form_request("auth.test", demo.bot_token));
  }
};

std::string error_of(const bridgebot::net::HttpResponse& response) {
  auto body = emu::parse_body(response);
  return body.IsObject() && body.HasMember("error") ? body["error"].GetString() : "";
}

}  // namespace

TEST_CASE("faults of a method are consumed in the order queued", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("chat.postMessage", Fault::status(503));
  slack.emulator.inject_fault("chat.postMessage", Fault::slack_error_code("internal_error"));
  REQUIRE(slack.emulator.pending_faults() == 2);

  CHECK(slack.auth_test().status == 200);  // other methods are untouched
  auto first = slack.post();
  CHECK(first.status == 503);
  auto second = slack.post();
  CHECK(second.status == 200);
  CHECK(error_of(second) == "internal_error");
  CHECK(error_of(slack.post()).empty());
  CHECK(slack.emulator.pending_faults() == 0);
  CHECK(slack.emulator.messages().size() == 1);  // faulted calls posted nothing
}

TEST_CASE("a fault queued for any method hits the next call, N times", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("", Fault::slack_error_code("fatal_error"), 2);
  CHECK(error_of(slack.auth_test()) == "fatal_error");
  CHECK(error_of(slack.post()) == "fatal_error");
  CHECK(error_of(slack.auth_test()).empty());
}

TEST_CASE("a scripted token_expired looks like the real thing", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("auth.test", Fault::slack_error_code("token_expired"));
  auto response = slack.auth_test();
  CHECK(response.status == 200);
  CHECK(error_of(response) == "token_expired");
  CHECK(response.headers.has("x-oauth-scopes"));
  CHECK(slack.auth_test().status == 200);
}

TEST_CASE("a scripted 429 tells a Retry-After that is then enforced", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("chat.postMessage", Fault::ratelimited(7s));
  auto limited = slack.post();
  CHECK(limited.status == 429);
  CHECK(limited.headers.get("Retry-After") == "7");
  CHECK(error_of(limited) == "ratelimited");

  slack.clock.advance(6s);
  CHECK(slack.post().status == 200);  // limits are off: only the violation is counted
  CHECK(slack.emulator.rate_limit_violations().size() == 1);
  slack.clock.advance(1s);
  CHECK(slack.post().status == 200);
  CHECK(slack.emulator.rate_limit_violations().size() == 1);
}

TEST_CASE("a delay fault delays and then answers normally", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("chat.postMessage", Fault::slow(250ms));
  emu::Answer answer = slack.emulator.answer(slack.post_request());
  CHECK(answer.delay == 250ms);
  CHECK_FALSE(answer.drop_connection);
  CHECK(answer.response.status == 200);
  CHECK(error_of(answer.response).empty());
  CHECK(slack.emulator.messages().size() == 1);
}

TEST_CASE("a dropped connection answers nothing and is logged", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("chat.postMessage", Fault::dropped_connection());
  emu::Answer answer = slack.emulator.answer(slack.post_request());
  CHECK(answer.drop_connection);
  CHECK(slack.emulator.messages().empty());
  auto calls = slack.emulator.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].http_status == 0);
  CHECK(calls[0].error == "connection_dropped");

  slack.emulator.inject_fault("chat.postMessage", Fault::dropped_connection());
  CHECK(slack.post().status == 0);  // handle() has no connection to drop
}

TEST_CASE("faulted calls are in the call log with their status", "[emulator][faults]") {
  Slack slack;
  slack.emulator.inject_fault("auth.test", Fault::status(500));
  REQUIRE(slack.auth_test().status == 500);
  auto calls = slack.emulator.calls_of("auth.test");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].http_status == 500);
  CHECK(calls[0].error == "http_500");
  CHECK(calls[0].team_id == "T0001");
}

TEST_CASE("FaultQueue matches methods and skips non-matching entries", "[emulator][faults]") {
  emu::FaultQueue queue;
  queue.push("users.list", Fault::status(500));
  queue.push("", Fault::status(503));
  queue.push("users.list", Fault::status(502), 0);  // nothing to queue
  CHECK(queue.pending() == 2);
  auto any = queue.take("auth.test");
  REQUIRE(any);
  CHECK(any->http_status == 503);
  CHECK_FALSE(queue.take("auth.test"));
  auto listed = queue.take("users.list");
  REQUIRE(listed);
  CHECK(listed->http_status == 500);
  CHECK(queue.pending() == 0);
}
