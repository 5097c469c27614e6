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

TEST_CASE("Test Connection reports Socket Mode connected, then link_disabled and what to do",
          "[cli][admin][socket_mode]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();

  const std::string good = bridge.admin("POST", "/v1/installations/T0001/test").body;
  INFO(good);
  CHECK_THAT(good, Catch::StartsWith(R"({"ok":true)"));
  CHECK(json_string(good, "socket_mode") == "connected");
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
