// The demo workspace keeps the promises `bridgebot sandbox` prints to a newcomer.
#include <catch2/catch.hpp>

#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"

namespace emu = bridgebot::emulator;

TEST_CASE("the demo workspace works with every token it hands out", "[emulator][seed]") {
  bridgebot::core::FakeClock clock;
  emu::Emulator emulator(clock);
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);

  for (const auto& token : {demo.bot_token, demo.user_token}) {
    INFO(token);
    auto body = emu::parse_body(emulator.handle(emu::web_api_form_request("auth.test", token)));
    REQUIRE(body["ok"].GetBool());
    CHECK(std::string(body["url"].GetString()) == "https://acme.slack.com/");
  }
  auto socket = emu::parse_body(
      emulator.handle(emu::web_api_form_request("apps.connections.open", demo.app_token)));
  CHECK(socket["ok"].GetBool());

  auto bot = emulator.with_state([&](emu::State& s) { return *s.find_token(demo.bot_token); });
  for (const char* scope : {"users:read", "users:read.email", "chat:write"}) {
    CHECK(bot.has_scope(scope));
  }

  auto posted = emulator.handle(emu::web_api_form_request(
      "chat.postMessage", demo.bot_token, {{"channel", demo.helpdesk_channel}, {"text", "hi"}}));
  CHECK(emu::parse_body(posted)["ok"].GetBool());
  CHECK(emulator.handle(emu::webhook_request(demo.webhook_id, R"({"text":"hi"})")).body == "ok");
  CHECK(emulator.with_state([&](emu::State& s) {
    return s.find_channel(demo.team_id, demo.archived_channel)->is_archived;
  }));
}
