// Test Connection over HTTP with the real binary: besides the bot token it tells the admin
// whether events can reach the bot at all, i.e. the state of its Socket Mode connection.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

// POSTs Test Connection until its answer holds `expected` (bounded); returns the last answer.
std::string test_connection_until(Bridge& bridge, const std::string& expected) {
  std::string body;
  wait_until(
      [&] {
        body = bridge.admin("POST", "/v1/installations/T0001/test").body;
        return body.find(expected) != std::string::npos;
      },
      10s, 50ms);
  return body;
}

}  // namespace

TEST_CASE(
    "Test Connection reports Socket Mode connected and the configured post pace, then "
    "link_disabled and what to do",
    "[cli][admin][socket_mode]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.settings.post_message_per_workspace_per_minute = 120;
  bridge.start_bot();
  bridge.wait_socket_mode_ready();

  const std::string good = bridge.admin("POST", "/v1/installations/T0001/test").body;
  INFO(good);
  CHECK_THAT(good, Catch::StartsWith(R"({"ok":true)"));
  CHECK(json_string(good, "socket_mode") == "connected");
  // The pace the bridge holds itself to, as configured (the default is 300).
  CHECK_THAT(good,
             Catch::Contains(R"("rate_limits":{"post_message_per_workspace_per_minute":120})"));
  CHECK_THAT(bridge.admin("GET", "/v1/installations").body,
             Catch::Contains(R"("socket_mode":"connected")"));

  // The admin turns Socket Mode off in the app's settings.
  bridge.server.socket_mode().disable_link();
  const std::string off = test_connection_until(bridge, R"("error":"link_disabled")");
  INFO(off << "\n" << bridge.bot->output_tail());
  CHECK_THAT(off, Catch::StartsWith(R"({"ok":false)"));
  CHECK(json_string(off, "error") == "link_disabled");
  CHECK_THAT(json_string(off, "action"), Catch::Contains("Turn Socket Mode on"));
  const auto ready = bridge.api->get_unsigned("/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("Socket Mode"));
}

TEST_CASE("Test Connection names an app-level token Slack refuses, and how to replace it",
          "[cli][admin][socket_mode]") {
  Bridge bridge;
  bridge.settings.app_token = "xapp-1-A0000-never-issued";
  bridge.start_bot();

  const std::string refused = test_connection_until(bridge, R"("error":"app_token_rejected")");
  INFO(refused << "\n" << bridge.bot->output_tail());
  CHECK_THAT(refused, Catch::StartsWith(R"({"ok":false)"));
  CHECK(json_string(refused, "socket_mode") == "auth_failed");
  CHECK_THAT(json_string(refused, "action"), Catch::Contains("connections:write"));
  CHECK(bridge.api->get_unsigned("/readyz").status == 503);
  // The bot token itself is fine, and the report still says so.
  CHECK(json_string(refused, "bot_user_id") == bridge.demo.bot_user_id);
}

TEST_CASE("Test Connection names a notification channel the bot was never invited to",
          "[cli][admin][notifications]") {
  Bridge bridge;
  // ops -> #general, where the demo bot is not a member.
  bridge.settings.routes_yaml +=
      "    - match: {route: ops}\n      to: [{channel: " + bridge.demo.general_channel + "}]\n";
  bridge.start_bot();
  CHECK_THAT(bridge.admin("POST", "/v1/installations/T0001/test").body,
             Catch::Contains(R"("failing_destinations":[])"));

  for (const char* id : {"ops-1", "ops-2"}) {
    REQUIRE(bridge.api->post("/v1/notifications", notification_body(id, "ops", "Disk", "full"))
                .status == 202);
    INFO(bridge.bot->output_tail());
    REQUIRE(json_string(bridge.wait_final(id, true), "reason") == "not_in_channel");
  }
  const std::string failing = bridge.admin("POST", "/v1/installations/T0001/test").body;
  INFO(failing);
  CHECK_THAT(failing, Catch::StartsWith(R"({"ok":false)"));
  CHECK(json_string(failing, "error") == "destination_failing");
  CHECK_THAT(json_string(failing, "message"),
             Catch::Contains("channel:" + bridge.demo.general_channel) &&
                 Catch::Contains("not_in_channel (2 since"));
  CHECK_THAT(json_string(failing, "action"), Catch::Contains("/invite"));

  // The admin invites the bot; the next notification gets through and the report is clean.
  bridge.emulator.with_state([&](bridgebot::emulator::State& s) {
    s.find_channel("T0001", bridge.demo.general_channel)->bot_is_member = true;
  });
  REQUIRE(bridge.api->post("/v1/notifications", notification_body("ops-3", "ops", "Disk", "ok"))
              .status == 202);
  REQUIRE(json_string(bridge.wait_final("ops-3", true), "status") == "delivered");
  const std::string fixed = bridge.admin("POST", "/v1/installations/T0001/test").body;
  INFO(fixed);
  CHECK_THAT(fixed, Catch::StartsWith(R"({"ok":true)"));
}
