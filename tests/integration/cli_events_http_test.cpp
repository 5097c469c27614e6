// The Events API over HTTP with the real binary (slack.events.mode http): Slack's v0 signature
// is checked, url_verification answered, events recorded then answered 200, and Slack's retries
// of an event handled once.
#include <catch2/catch.hpp>

#include "slack_emulator/events_http.h"
#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot;
using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSlackSecret = "slack-signing-secret-for-tests";

std::string home_opened(const std::string& user) {
  return R"({"type":"app_home_opened","user":")" + user +
         R"(","channel":"D0001","tab":"home","event_ts":"1700000000.000100"})";
}

std::size_t publishes_for(const Bridge& bridge, const std::string& user) {
  std::size_t count = 0;
  for (const auto& call : bridge.emulator.calls_of("views.publish")) {
    const auto it = call.params.find("user_id");
    if (it != call.params.end() && it->second == user) ++count;
  }
  return count;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A bot in HTTP mode (no Socket Mode) and Slack's side of the Events API pointed at it.
struct HttpEvents {
  Bridge bridge;
  std::unique_ptr<emulator::EventsHttpDelivery> slack;

  HttpEvents() {
    bridge.settings.events_mode = "http";
    bridge.settings.slack_signing_secret = kSlackSecret;
    bridge.start_bot();
    emulator::EventsHttpOptions options;
    options.retry_delays = {0ms, 200ms, 200ms};
    slack = std::make_unique<emulator::EventsHttpDelivery>(bridge.bot->base_url() + "/slack/events",
                                                           kSlackSecret, options);
  }

  net::HttpResponse post(const std::string& body, const net::Headers& headers) {
    net::ClientOptions options;
    options.tls.allow_plaintext = true;
    auto http = net::make_http_client(options);
    net::ClientRequest request;
    request.url = bridge.bot->base_url() + "/slack/events";
    request.body = body;
    request.headers = headers;
    auto response = http->send(request);
    if (!response.ok()) FAIL(response.error().to_string());
    return *response;
  }

  bool delivered(const std::string& event_id, std::size_t attempts = 1) {
    return wait_until(
        [&] {
          for (const auto& record : slack->events()) {
            if (record.event_id == event_id) {
              return record.attempts.size() >= attempts && record.attempts.back().status == 200;
            }
          }
          return false;
        },
        10s);
  }
};

}  // namespace

TEST_CASE("HTTP events: forged and stale requests get 401, a signed one is handled",
          "[cli][events][http]") {
  HttpEvents h;
  // No Socket Mode in this mode, and readiness does not wait for one.
  CHECK(h.bridge.api->get_unsigned("/readyz").status == 200);
  CHECK(h.bridge.server.socket_mode().connections_accepted() == 0);

  const std::string body =
      R"({"type":"event_callback","team_id":"T0001","event_id":"EvForged1","event":)" +
      home_opened("U0001") + "}";
  emulator::EventsHttpDelivery forger(h.bridge.bot->base_url() + "/slack/events",
                                      "not-the-signing-secret");
  CHECK(h.post(body, forger.signed_headers(body, unix_now())).status == 401);
  CHECK(h.post(body, h.slack->signed_headers(body, unix_now() - 301)).status == 401);
  net::Headers unsigned_headers;
  unsigned_headers.set("Content-Type", "application/json");
  CHECK(h.post(body, unsigned_headers).status == 401);

  const std::string event_id = h.slack->send_event("T0001", home_opened("U0001"));
  REQUIRE(h.delivered(event_id));
  const bool handled = wait_until([&] { return publishes_for(h.bridge, "U0001") == 1; }, 10s);
  INFO(h.bridge.bot->output_tail());
  CHECK(handled);
  CHECK(h.slack->events()[0].attempts.size() == 1);  // answered in time: no retry
}

TEST_CASE("HTTP events: url_verification is answered with its challenge", "[cli][events][http]") {
  HttpEvents h;
  auto answer = h.slack->verify_url("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  REQUIRE(answer.ok());
  CHECK(answer->status == 200);
  CHECK_THAT(
      answer->body,
      Catch::Contains("\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\""));
}

TEST_CASE("HTTP events: Slack's retry of an event (X-Slack-Retry-Num) is handled once",
          "[cli][events][http]") {
  HttpEvents h;
  const std::string event_id = h.slack->send_event("T0001", home_opened("U0001"));
  REQUIRE(h.delivered(event_id));
  h.slack->redeliver(event_id);  // as if our 200 had been lost: retry 1, reason http_timeout
  REQUIRE(h.delivered(event_id, 2));
  CHECK(h.slack->events()[0].attempts[1].retry_num == 1);
  // A later event is handled after the retry would have been (the inbox keeps arrival order).
  const std::string later = h.slack->send_event("T0001", home_opened("U0002"));
  REQUIRE(h.delivered(later));
  REQUIRE(wait_until([&] { return publishes_for(h.bridge, "U0002") == 1; }, 10s));
  INFO(h.bridge.bot->output_tail());
  CHECK(publishes_for(h.bridge, "U0001") == 1);
}
