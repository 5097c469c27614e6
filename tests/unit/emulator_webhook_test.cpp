// Incoming webhooks: 200 "ok", or a plain-text error with the status that tells dead from bad.
#include <catch2/catch.hpp>

#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"

namespace emu = bridgebot::emulator;
using bridgebot::core::FakeClock;
using namespace std::chrono_literals;

namespace {

struct Slack {
  FakeClock clock;
  emu::Emulator emulator{clock};
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);

  bridgebot::net::HttpResponse send(const std::string& body) {
    return emulator.handle(emu::webhook_request(demo.webhook_id, body));
  }
};

}  // namespace

TEST_CASE("a webhook posts text and blocks to its channel", "[emulator][webhook]") {
  Slack slack;
  auto response = slack.send(R"({"text":"Alert: disk full","blocks":[{"type":"divider"}]})");
  CHECK(response.status == 200);
  CHECK(response.body == "ok");
  auto messages = slack.emulator.messages_in("C0001");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "Alert: disk full");
  CHECK(messages[0].blocks_json == R"([{"type":"divider"}])");
  CHECK(messages[0].webhook_id == slack.demo.webhook_id);
  CHECK(slack.emulator.calls_of(emu::kWebhookMethod).size() == 1);
}

TEST_CASE("a webhook accepts a form-encoded payload field", "[emulator][webhook]") {
  Slack slack;
  auto request = emu::webhook_request(slack.demo.webhook_id, "");
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.body = bridgebot::net::form_encode({{"payload", R"({"text":"from a form"})"}});
  CHECK(slack.emulator.handle(request).body == "ok");
  CHECK(slack.emulator.messages().at(0).text == "from a form");
}

TEST_CASE("bad payloads get 400 with the reason", "[emulator][webhook]") {
  Slack slack;
  auto [body, expected] = GENERATE(table<std::string, std::string>({
      {"not json", "invalid_payload"},
      {R"(["text"])", "invalid_payload"},
      {R"({"text":42})", "invalid_payload"},
      {R"({"text":""})", "no_text"},
      {R"({"blocks":{}})", "invalid_blocks"},
  }));
  INFO(body);
  auto response = slack.send(body);
  CHECK(response.status == 400);
  CHECK(response.body == expected);
  CHECK(slack.emulator.messages().empty());
}

TEST_CASE("dead and forbidden webhooks say so with their status", "[emulator][webhook]") {
  Slack slack;
  auto set_up = [&](auto edit) { slack.emulator.with_state(edit); };

  SECTION("unknown webhook") {
    auto response = slack.emulator.handle(emu::webhook_request("T0001/B0/nope", R"({"text":"x"})"));
    CHECK(response.status == 404);
    CHECK(response.body == "no_service");
  }
  SECTION("removed webhook") {
    set_up([&](emu::State& s) {
      s.webhooks.at(slack.demo.webhook_id).state = emu::WebhookState::removed;
    });
    CHECK(slack.send(R"({"text":"x"})").status == 404);
  }
  SECTION("action prohibited") {
    set_up([&](emu::State& s) {
      s.webhooks.at(slack.demo.webhook_id).state = emu::WebhookState::action_prohibited;
    });
    auto response = slack.send(R"({"text":"x"})");
    CHECK(response.status == 403);
    CHECK(response.body == "action_prohibited");
  }
  SECTION("channel deleted") {
    set_up([&](emu::State& s) { s.channels.erase("C0001"); });
    auto response = slack.send(R"({"text":"x"})");
    CHECK(response.status == 404);
    CHECK(response.body == "channel_not_found");
  }
  SECTION("channel archived") {
    set_up([&](emu::State& s) { s.channels.at("C0001").is_archived = true; });
    auto response = slack.send(R"({"text":"x"})");
    CHECK(response.status == 410);
    CHECK(response.body == "channel_is_archived");
  }
  CHECK(slack.emulator.messages().empty());
}

TEST_CASE("webhook faults and rate limits", "[emulator][webhook][faults]") {
  Slack slack;
  slack.emulator.inject_fault(emu::kWebhookMethod, emu::Fault::status(500));
  CHECK(slack.send(R"({"text":"x"})").status == 500);

  slack.emulator.set_rate_limits({.enabled = true, .post_per_second = 1.0, .post_burst = 1});
  CHECK(slack.send(R"({"text":"x"})").status == 200);
  auto limited = slack.send(R"({"text":"x"})");
  CHECK(limited.status == 429);
  CHECK(limited.headers.get("Retry-After") == "1");
  CHECK(slack.emulator.rate_limit_violations().empty());
  slack.clock.advance(1s);
  CHECK(slack.send(R"({"text":"x"})").status == 200);
}
