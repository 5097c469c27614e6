// Acked means recorded, with the real binary: an event Slack was told arrived survives kill -9,
// and Slack's repeat of an event after a restart is not handled twice.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot;
using namespace bridgebot::test;
using namespace std::chrono_literals;

namespace {

// The Home tab event: its handler calls views.publish once per event handled.
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

}  // namespace

TEST_CASE("kill -9 after the ack while the handler's Slack call hangs: handled after restart",
          "[cli][events][crash]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();

  bridge.emulator.inject_fault("views.publish", emulator::Fault::slow(60s));
  bridge.send_event_acked(home_opened("U0001"));
  REQUIRE(wait_until([&] { return publishes_for(bridge, "U0001") == 1; }, 10s));
  bridge.kill_bot();  // acked, handling under way, nothing finished

  bridge.start_bot();
  // The restarted bot finds the event in its inbox and handles it again (at least once). It
  // takes the events lease over at once: the dead process ran on this machine.
  const bool handled = wait_until([&] { return publishes_for(bridge, "U0001") >= 2; }, 30s);
  INFO(bridge.bot->output_tail());
  CHECK(handled);
  CHECK(bridge.bot->output().find("the events lease was held by") != std::string::npos);
}

TEST_CASE("the same event_id after a restart is handled once", "[cli][events]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();
  auto& slack = bridge.server.socket_mode();

  const std::string event_id = bridge.send_event_acked(home_opened("U0001"));
  REQUIRE(wait_until([&] { return publishes_for(bridge, "U0001") == 1; }, 10s));
  REQUIRE(bridge.stop_bot().code == 0);
  bridge.start_bot();
  bridge.wait_socket_mode_ready();

  // Slack retries the event (it may: an ack can be lost with its socket) on the new process.
  slack.redeliver(event_id, false);
  REQUIRE(wait_until(
      [&] {
        for (const auto& record : slack.events()) {
          if (record.event_id == event_id) {
            return record.deliveries.size() == 2 && record.deliveries.back().ack_latency;
          }
        }
        return false;
      },
      10s));
  // A later event is handled after the repeat would have been (the inbox keeps arrival order).
  bridge.send_event_acked(home_opened("U0002"));
  REQUIRE(wait_until([&] { return publishes_for(bridge, "U0002") == 1; }, 10s));
  INFO(bridge.bot->output_tail());
  CHECK(publishes_for(bridge, "U0001") == 1);
}

TEST_CASE("an event whose handling fails on a transient error is handled again later",
          "[cli][events]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  bridge.start_bot();
  bridge.wait_socket_mode_ready();

  // Slack answers 503 to every send of the first views.publish call (the Web API client tries 4
  // times): the event is not dropped but tried again from the inbox after a backoff.
  bridge.emulator.inject_fault("views.publish", emulator::Fault::status(503), 4);
  bridge.send_event_acked(home_opened("U0001"));
  const bool handled = wait_until(
      [&] {
        const auto calls = bridge.emulator.calls_of("views.publish");
        return calls.size() >= 5 && calls.back().http_status == 200;
      },
      30s);
  INFO(bridge.bot->output_tail());
  CHECK(handled);
  CHECK(publishes_for(bridge, "U0001") == 5);
}
