// The acceptance scenario: 1,000 events streamed while Slack recycles sockets twice,
// one socket drops and another stalls. Every envelope that reached a live socket is acked within
// Slack's 3 s budget (read from the emulator's own per-envelope ack times: a protocol deadline,
// not a benchmark) and every event reaches the handler (the inbox that de-duplicates it).
#include <catch2/catch.hpp>

#include "socket_mode_rig.h"

using namespace bridgebot;
using namespace std::chrono_literals;
using testing::eventually;
using testing::SocketModeRig;

TEST_CASE("1,000 events through refreshes, a drop and a stall: acked in time, handled once",
          "[socket_mode][integration][acceptance]") {
  SocketModeRig rig(testing::fast_socket_mode_options(2));
  REQUIRE(rig.started_server);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(eventually([&] { return rig.socket_mode->status().open_connections == 2; }));

  constexpr int kEvents = 1'000;
  std::vector<std::string> ids;
  for (int i = 0; i < kEvents; ++i) {
    ids.push_back(rig.slack().send_event("T0001", testing::user_change_event(i)));
    // Each fault needs a live socket that is neither stalled nor draining: on a loaded machine
    // the bot may still be replacing the one an earlier fault took, so the fault waits for it (a
    // fault that finds no such socket does nothing and returns 0).
    switch (i) {
      case 150:
      case 650:
        CHECK(eventually([&] { return rig.slack().disconnect_one("refresh_requested") == 1; }));
        break;
      case 350:
        CHECK(eventually([&] { return rig.slack().drop_one() == 1; }));
        break;
      case 500:
        CHECK(eventually([&] { return rig.slack().stall_one() == 1; }));
        break;
      default:
        break;
    }
    if (i % 10 == 9) std::this_thread::sleep_for(5ms);  // a steady stream, about 2,000/s
  }

  REQUIRE(eventually([&] { return rig.handler.count() >= kEvents; }, 60s));
  REQUIRE(
      eventually([&] { return rig.slack().in_flight() == 0 && rig.slack().queued() == 0; }, 30s));

  CHECK(rig.slack().never_acked().empty());
  int late = 0;
  int lost = 0;
  for (const auto& event : rig.slack().events()) {
    CHECK(event.acked);
    for (const auto& delivery : event.deliveries) {
      if (delivery.lost_with_connection) {
        lost++;  // sent to the ghost or the dropped socket: no ack could come back
        continue;
      }
      if (!delivery.ack_latency || *delivery.ack_latency > 3'000ms) late++;
    }
  }
  CHECK(late == 0);
  INFO("deliveries lost with their socket: " << lost);
  for (const auto& id : ids) {
    INFO(id);
    CHECK(rig.handler.times_handled("event:" + id) == 1);
  }
  CHECK(rig.handler.count() == kEvents);

  auto status = rig.socket_mode->status();
  CHECK(status.connected);
  CHECK(status.open_connections == 2);
  CHECK(status.counters.record_failures == 0);
  CHECK(status.counters.reconnects >= 4);  // two recycles, the drop, the stall
  CHECK(rig.slack().gaps() == 0);
}
