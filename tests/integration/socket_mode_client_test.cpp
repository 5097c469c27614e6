// SocketMode against the emulator over real loopback sockets: the happy path, redelivery,
// recycling without a gap, and every fault Slack's Socket Mode is known to produce.
#include <catch2/catch.hpp>

#include "socket_mode_rig.h"

using namespace bridgebot;
using namespace std::chrono_literals;
using testing::eventually;
using testing::SocketModeRig;
using testing::user_change_event;

namespace {

bool connected_with(SocketModeRig& rig, int open) {
  return eventually([&] {
    auto status = rig.socket_mode->status();
    return status.connected && status.open_connections == open &&
           rig.slack().open_connections() == open;
  });
}

}  // namespace

TEST_CASE("after hello, events are recorded and acked", "[socket_mode][integration]") {
  SocketModeRig rig;
  REQUIRE(rig.started_server);
  CHECK_FALSE(rig.socket_mode->status().connected);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  auto status = rig.socket_mode->status();
  CHECK(status.state == slack::SocketModeState::connected);
  CHECK(status.last_hello_num_connections >= 1);
  CHECK(status.counters.hellos == 2);

  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(rig.slack().send_event("T0001", user_change_event(i)));
  REQUIRE(eventually([&] { return rig.handler.count() == 20; }));
  for (const auto& id : ids) CHECK(rig.handler.times_handled("event:" + id) == 1);
  auto envelope = rig.handler.envelopes().front();
  CHECK(envelope.type == "events_api");
  CHECK(envelope.team_id == "T0001");
  CHECK(envelope.event_type == "user_change");
  REQUIRE(eventually([&] { return rig.slack().in_flight() == 0; }));
  for (const auto& event : rig.slack().events()) {
    CHECK(event.acked);
    CHECK(event.deliveries.size() == 1);
  }
  CHECK(rig.socket_mode->status().counters.acks == 20);
}

TEST_CASE("slash commands and interactive payloads are recorded and acked",
          "[socket_mode][integration]") {
  SocketModeRig rig;
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  rig.slack().send_envelope("slash_commands", R"({"command":"/bridge","team_id":"T0001"})", true);
  rig.slack().send_envelope("interactive", R"({"type":"block_actions","team_id":"T0001"})", false);
  REQUIRE(eventually([&] { return rig.handler.count() == 2; }));
  REQUIRE(eventually([&] { return rig.slack().envelopes_acked() == 2; }));
}

TEST_CASE("empty, non-JSON and unknown frames are ignored without harm",
          "[socket_mode][integration]") {
  SocketModeRig rig;
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  for (const char* junk : {"", "not json", "[1]", R"({"type":"surprise"})"}) {
    rig.slack().send_raw_to_all(junk);
  }
  auto id = rig.slack().send_event("T0001", user_change_event(1));
  REQUIRE(eventually([&] { return rig.handler.times_handled("event:" + id) == 1; }));
  CHECK(eventually([&] { return rig.socket_mode->status().counters.unknown_frames == 8; }));
  CHECK(rig.socket_mode->status().open_connections == 2);
  CHECK(rig.socket_mode->status().counters.reconnects == 0);
}

TEST_CASE("slow recording delays no pong, and recorders work side by side",
          "[socket_mode][integration]") {
  SocketModeRig rig;
  rig.handler.set_delay(300ms);  // 10 events = 3 s one after another, past the 1 s idle timeout
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  for (int i = 0; i < 10; ++i) rig.slack().send_event("T0001", user_change_event(i));
  REQUIRE(eventually([&] { return rig.slack().in_flight() == 0 && rig.slack().queued() == 0; }));
  for (const auto& event : rig.slack().events()) {
    REQUIRE(event.deliveries.size() == 1);
    REQUIRE(event.deliveries[0].ack_latency);
    CHECK(*event.deliveries[0].ack_latency < 3'000ms);  // Slack's budget: never redelivered
  }
  CHECK(rig.handler.count() == 10);
  CHECK(rig.socket_mode->status().counters.reconnects == 0);
}

TEST_CASE("an envelope the handler could not record is left unacked, and Slack's retry acked",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  rig.slack().set_ack_timeout(500ms);
  rig.handler.fail_next(1);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  auto id = rig.slack().send_event("T0001", user_change_event(3));
  REQUIRE(eventually([&] { return rig.slack().in_flight() == 0 && rig.slack().queued() == 0; }));
  auto events = rig.slack().events();
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].deliveries.size() == 2);
  CHECK_FALSE(events[0].deliveries[0].ack_latency.has_value());
  CHECK(events[0].deliveries[1].ack_latency.has_value());
  CHECK(rig.handler.deliveries("event:" + id) == 1);
  CHECK(rig.socket_mode->status().counters.record_failures == 1);
}

TEST_CASE("an unacked envelope is redelivered and handled once", "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  rig.slack().set_ack_timeout(1'000ms);
  rig.slack().set_ghost_lifetime(500ms);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  // The only socket becomes a ghost: the first delivery is lost; the client notices (no pong),
  // reconnects, and the retry arrives on the new socket.
  rig.slack().stall_one();
  auto id = rig.slack().send_event("T0001", user_change_event(1));
  REQUIRE(eventually([&] { return rig.handler.times_handled("event:" + id) == 1; }));
  // The ack leaves after the handler returns: wait for the emulator to have it.
  CHECK(eventually([&] { return rig.slack().in_flight() == 0; }));
  auto events = rig.slack().events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].deliveries.size() >= 2);
  CHECK(events[0].deliveries.front().lost_with_connection);
  CHECK(events[0].deliveries.back().retry_attempt >= 1);
  CHECK(events[0].acked);
  auto handled = rig.handler.envelopes();
  REQUIRE(handled.size() == 1);
  CHECK(handled[0].retry_attempt >= 1);  // a retry seen for the first time is never dropped
  CHECK(handled[0].retry_reason == "timeout");
}

TEST_CASE("a retry of an event already recorded is acked, and the handler can tell it is one",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(2));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  auto id = rig.slack().send_event("T0001", user_change_event(7));
  REQUIRE(eventually([&] { return rig.handler.times_handled("event:" + id) == 1; }));
  rig.slack().redeliver(id, false);  // retry_attempt 1, new envelope id
  // Only once that retry is out and acked: the next one repeats the last envelope id sent, and
  // two deliveries of one envelope id in flight at once could not be told apart by their acks.
  REQUIRE(eventually([&] {
    return rig.slack().in_flight() == 0 && rig.slack().events()[0].deliveries.size() == 2;
  }));
  rig.slack().redeliver(id, true);  // the same envelope id again, retry_attempt 0
  REQUIRE(eventually([&] { return rig.handler.deliveries("event:" + id) == 3; }));
  REQUIRE(eventually([&] { return rig.slack().in_flight() == 0; }));
  auto events = rig.slack().events();
  REQUIRE(events[0].deliveries.size() == 3);
  for (const auto& delivery : events[0].deliveries) CHECK(delivery.ack_latency.has_value());
  CHECK(rig.handler.times_handled("event:" + id) == 1);
}

TEST_CASE("refresh_requested: the successor opens before the old socket closes",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    REQUIRE(rig.slack().disconnect_one("refresh_requested") == 1);
    // Events sent during the switch.
    for (int i = 0; i < 10; ++i)
      ids.push_back(rig.slack().send_event("T0001", user_change_event(i)));
    REQUIRE(eventually([&] {
      return rig.slack().connections_accepted() == round + 2 && rig.slack().open_connections() == 1;
    }));
  }
  REQUIRE(eventually([&] { return rig.handler.count() == ids.size(); }));
  for (const auto& id : ids) CHECK(rig.handler.times_handled("event:" + id) == 1);
  CHECK(rig.slack().gaps() == 0);
  CHECK(rig.slack().never_acked().empty());
  auto status = rig.socket_mode->status();
  CHECK(status.connected);
  CHECK(status.counters.disconnects == 3);
  CHECK(status.counters.reconnects == 3);
}

TEST_CASE("warning is handled like refresh_requested", "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(2));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  REQUIRE(rig.slack().disconnect_all("warning") == 2);
  REQUIRE(eventually([&] { return rig.slack().connections_accepted() == 4; }));
  REQUIRE(connected_with(rig, 2));
  CHECK(rig.slack().gaps() == 0);
}

TEST_CASE("a dropped socket is replaced within the backoff bounds", "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  auto dropped_at = std::chrono::steady_clock::now();
  REQUIRE(rig.slack().drop_one() == 1);
  REQUIRE(eventually([&] { return rig.slack().connections_accepted() == 2; }));
  auto took = std::chrono::steady_clock::now() - dropped_at;
  // First step of the schedule: within [50, 100] ms plus the time to notice and connect; the
  // bound is generous for a loaded machine, far below anything a stuck loop would give.
  CHECK(took < 5s);
  REQUIRE(connected_with(rig, 1));
  auto id = rig.slack().send_event("T0001", user_change_event(1));
  REQUIRE(eventually([&] { return rig.handler.times_handled("event:" + id) == 1; }));
  CHECK(rig.socket_mode->status().counters.reconnects == 1);
}

TEST_CASE("a stalled socket is detected by the ping timeout and replaced",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(2));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  REQUIRE(rig.slack().stall_one() == 1);
  // The ghost still counts on the emulator's side (as on Slack's); the client replaces it.
  REQUIRE(eventually([&] { return rig.slack().connections_accepted() == 3; }));
  REQUIRE(eventually([&] {
    auto status = rig.socket_mode->status();
    return status.open_connections == 2 && status.counters.reconnects == 1;
  }));
}

TEST_CASE("link_disabled stops reconnecting with a message that says what to do",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(2));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 2));
  rig.slack().disable_link();
  REQUIRE(eventually(
      [&] { return rig.socket_mode->status().state == slack::SocketModeState::link_disabled; }));
  auto status = rig.socket_mode->status();
  CHECK(status.message ==
        "Socket Mode is turned off for this app: turn it on under Settings > Socket Mode");
  REQUIRE(eventually([&] { return !rig.socket_mode->status().connected; }));
  auto accepted = rig.slack().connections_accepted();
  std::this_thread::sleep_for(1'500ms);  // several backoff periods
  CHECK(rig.slack().connections_accepted() == accepted);
  CHECK(rig.emulator.calls_of("apps.connections.open").size() == 2);
}

TEST_CASE("too_many_websockets: the refused socket closes and retries are backed off",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(3));
  rig.slack().set_max_connections(2);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(eventually([&] { return rig.slack().connections_refused() >= 1; }));
  std::this_thread::sleep_for(2'000ms);
  // Backoff 100 ms doubling to 800 ms: at most a handful of refusals in 2 s, not a tight loop.
  CHECK(rig.slack().connections_refused() <= 8);
  auto status = rig.socket_mode->status();
  CHECK(status.connected);
  CHECK(status.open_connections == 2);
  CHECK(rig.slack().open_connections() == 2);
  // Once Slack has room again the third socket comes.
  rig.slack().set_max_connections(10);
  REQUIRE(connected_with(rig, 3));
}

TEST_CASE("an app token Slack refuses stops the loop with a clear state",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1), "xapp-1-not-a-real-token");
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(eventually(
      [&] { return rig.socket_mode->status().state == slack::SocketModeState::auth_failed; }));
  auto status = rig.socket_mode->status();
  CHECK(status.message.find("invalid_auth") == 0);
  CHECK_FALSE(status.connected);
  std::this_thread::sleep_for(500ms);
  CHECK(rig.emulator.calls_of("apps.connections.open").size() == 1);
}

TEST_CASE("transient apps.connections.open errors are retried until they pass",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  rig.emulator.inject_fault("apps.connections.open", emulator::Fault::status(503), 3);
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  CHECK(rig.socket_mode->status().counters.connect_failures == 3);
  CHECK(rig.emulator.calls_of("apps.connections.open").size() == 4);
}

TEST_CASE("a used ticket is refused: every connect asks for a fresh URL",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  REQUIRE(rig.slack().drop_one() == 1);
  REQUIRE(connected_with(rig, 1));
  auto tickets = rig.emulator.issued_tickets();
  REQUIRE(tickets.size() == 2);
  for (const auto& ticket : tickets) CHECK(ticket.used);
  // Replaying a used URL fails, as it does against Slack.
  net::HttpRequest replay;
  replay.target = "/link/?ticket=" + tickets[0].ticket;
  CHECK(rig.slack().accept(replay) == nullptr);
  replay.target = "/link/?ticket=unknown";
  CHECK(rig.slack().accept(replay) == nullptr);
}

TEST_CASE("stop closes every socket with 1000 and returns quickly", "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(3));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 3));
  auto began = std::chrono::steady_clock::now();
  rig.socket_mode->stop();
  CHECK(std::chrono::steady_clock::now() - began < 5s);
  CHECK(rig.socket_mode->status().state == slack::SocketModeState::stopped);
  REQUIRE(eventually([&] { return rig.slack().open_connections() == 0; }));
  rig.socket_mode->stop();  // idempotent
  CHECK_FALSE(rig.socket_mode->start().ok());
}

TEST_CASE("a 429 from apps.connections.open holds the next connect back for its Retry-After",
          "[socket_mode][integration]") {
  SocketModeRig rig(testing::fast_socket_mode_options(1));
  rig.emulator.inject_fault("apps.connections.open", emulator::Fault::ratelimited(2s));
  REQUIRE(rig.socket_mode->start().ok());
  REQUIRE(connected_with(rig, 1));
  const auto calls = rig.emulator.calls_of("apps.connections.open");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].arrival - calls[0].arrival >= 2s);  // the backoff alone would be 50-100 ms
  CHECK(rig.emulator.rate_limit_violations().empty());
}
