// Socket Mode reconnects with the real binary: a bot never stays deaf for long after Slack drops
// its sockets or refuses new ones, and never hammers apps.connections.open while refused.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot;
using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

std::size_t connection_opens(const Bridge& bridge) {
  return bridge.emulator.calls_of("apps.connections.open").size();
}

bool ready(Bridge& bridge) {
  return bridge.api->get_unsigned("/readyz").status == 200;
}

}  // namespace

TEST_CASE("both sockets dropped without a close frame: a new one within seconds, events acked",
          "[cli][socket_mode][reconnect]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.settings.socket_connections = 2;
  bridge.start_bot();
  bridge.wait_socket_mode_ready();
  auto& slack = bridge.server.socket_mode();
  REQUIRE(wait_until([&] { return slack.open_connections() == 2; }, 15s));

  REQUIRE(slack.drop_one() == 1);
  REQUIRE(slack.drop_one() == 1);
  // Slack's method reference allows apps.connections.open 50+ times a minute: pacing it as a
  // once-a-minute method left the bot without a socket for about 60 s here.
  const bool back = wait_until([&] { return slack.open_connections() >= 1; }, 10s);
  INFO(bridge.bot->output_tail());
  REQUIRE(back);
  bridge.send_event_acked(R"({"type":"team_join","user":{"id":"U0777","name":"newbie"}})");
  CHECK(wait_until([&] { return slack.open_connections() == 2; }, 15s));
}

TEST_CASE(
    "too_many_websockets: not ready, a few attempts a minute, connected soon after room frees",
    "[cli][socket_mode][reconnect]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.settings.socket_connections = 2;
  auto& slack = bridge.server.socket_mode();
  slack.set_max_connections(0);  // every socket is refused with too_many_websockets
  bridge.start_bot();

  std::this_thread::sleep_for(30s);
  CHECK_FALSE(ready(bridge));
  const std::size_t attempts = connection_opens(bridge);
  INFO("apps.connections.open calls in 30 s of refusals: " << attempts);
  CHECK(attempts >= 3);   // still trying...
  CHECK(attempts <= 10);  // ...one probe per backoff step, not a storm

  slack.set_max_connections(10);
  // The backoff is capped at 12 s; with the old one-minute cap this took up to a minute.
  const bool connected = wait_until([&] { return ready(bridge); }, 20s, 50ms);
  INFO(bridge.bot->output_tail());
  REQUIRE(connected);
  CHECK(wait_until([&] { return slack.open_connections() == 2; }, 15s));
}
