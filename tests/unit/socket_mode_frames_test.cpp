// Parsing Socket Mode frames and writing acks: every input yields a frame, nothing throws.
#include "bridgebot/slack/socket_mode_frames.h"

#include <catch2/catch.hpp>

#include "bridgebot/core/json.h"

using namespace bridgebot::slack;

TEST_CASE("hello carries the connection count, the recycle time and the app id",
          "[socket_mode][frames]") {
  auto frame = parse_socket_mode_frame(
      R"({"type":"hello","num_connections":3,"debug_info":{"host":"applink-1",)"
      R"("build_number":10,"approximate_connection_time":18060},)"
      R"("connection_info":{"app_id":"A0001"}})");
  auto* hello = std::get_if<HelloFrame>(&frame);
  REQUIRE(hello);
  CHECK(hello->num_connections == 3);
  CHECK(hello->approximate_connection_time == 18060);
  CHECK(hello->app_id == "A0001");
}

TEST_CASE("a bare hello still counts as hello", "[socket_mode][frames]") {
  auto frame = parse_socket_mode_frame(R"({"type":"hello"})");
  auto* hello = std::get_if<HelloFrame>(&frame);
  REQUIRE(hello);
  CHECK(hello->num_connections == 0);
  CHECK(hello->app_id.empty());
}

TEST_CASE("disconnect reasons map to what we must do", "[socket_mode][frames]") {
  struct Row {
    const char* reason;
    DisconnectReason expected;
  };
  const Row rows[] = {
      {"warning", DisconnectReason::warning},
      {"refresh_requested", DisconnectReason::refresh_requested},
      {"link_disabled", DisconnectReason::link_disabled},
      {"too_many_websockets", DisconnectReason::too_many_websockets},
      {"something_new", DisconnectReason::other},
      {"", DisconnectReason::other},
  };
  for (const auto& row : rows) {
    INFO(row.reason);
    auto frame = parse_socket_mode_frame(std::string(R"({"type":"disconnect","reason":")") +
                                         row.reason + R"(","debug_info":{"host":"h"}})");
    auto* disconnect = std::get_if<DisconnectFrame>(&frame);
    REQUIRE(disconnect);
    CHECK(disconnect->reason == row.expected);
    CHECK(disconnect->reason_text == row.reason);
  }
}

TEST_CASE("an events_api envelope exposes ids, retry fields and the event",
          "[socket_mode][frames]") {
  auto frame = parse_socket_mode_frame(
      R"({"envelope_id":"e-1","type":"events_api","accepts_response_payload":false,)"
      R"("retry_attempt":2,"retry_reason":"timeout","payload":{"type":"event_callback",)"
      R"("team_id":"T0001","event_id":"Ev01","event_time":1700000000,)"
      R"("event":{"type":"user_change","user":{"id":"U1"}}}})");
  auto* envelope = std::get_if<Envelope>(&frame);
  REQUIRE(envelope);
  CHECK(envelope->envelope_id == "e-1");
  CHECK(envelope->type == "events_api");
  CHECK(envelope->retry_attempt == 2);
  CHECK(envelope->retry_reason == "timeout");
  CHECK_FALSE(envelope->accepts_response_payload);
  CHECK(envelope->event_id == "Ev01");
  CHECK(envelope->team_id == "T0001");
  CHECK(envelope->event_type == "user_change");
  auto payload = bridgebot::core::parse_json(envelope->payload_json);
  REQUIRE(payload.ok());
  CHECK(std::string((*payload)["event"]["user"]["id"].GetString()) == "U1");
  CHECK(deduplication_key(*envelope) == "event:Ev01");
}

TEST_CASE("slash commands and interactive payloads are keyed by envelope id",
          "[socket_mode][frames]") {
  for (const char* type : {"slash_commands", "interactive"}) {
    INFO(type);
    auto frame = parse_socket_mode_frame(std::string(R"({"envelope_id":"e-9","type":")") + type +
                                         R"(","accepts_response_payload":true,)"
                                         R"("payload":{"command":"/x","team_id":"T1"}})");
    auto* envelope = std::get_if<Envelope>(&frame);
    REQUIRE(envelope);
    CHECK(envelope->accepts_response_payload);
    CHECK(envelope->retry_attempt == 0);
    CHECK(envelope->event_id.empty());
    CHECK(deduplication_key(*envelope) == "envelope:e-9");
  }
}

TEST_CASE("an envelope of an unknown type is still an envelope (it must be acked)",
          "[socket_mode][frames]") {
  auto frame = parse_socket_mode_frame(R"({"envelope_id":"e-2","type":"future_thing"})");
  auto* envelope = std::get_if<Envelope>(&frame);
  REQUIRE(envelope);
  CHECK(envelope->type == "future_thing");
  CHECK(envelope->payload_json == "{}");
}

TEST_CASE("empty, non-JSON and unknown frames are tolerated", "[socket_mode][frames]") {
  struct Row {
    const char* text;
    const char* why;
  };
  const Row rows[] = {
      {"", "empty"},
      {"  \n", "empty"},
      {"not json", "invalid_json"},
      {"{\"type\":", "invalid_json"},
      {"[1,2]", "not_an_object"},
      {"42", "not_an_object"},
      {R"({"type":"surprise"})", "unknown_type: surprise"},
      {R"({"no_type":true})", "unknown_type: "},
      {R"({"type":7,"envelope_id":""})", "unknown_type: "},
      {R"({"envelope_id":12,"type":"events_api"})", "unknown_type: events_api"},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    auto frame = parse_socket_mode_frame(row.text);
    auto* unknown = std::get_if<UnknownFrame>(&frame);
    REQUIRE(unknown);
    CHECK(unknown->why == row.why);
  }
}

TEST_CASE("wrongly typed fields fall back to defaults", "[socket_mode][frames]") {
  auto frame =
      parse_socket_mode_frame(R"({"envelope_id":"e-3","type":"events_api","retry_attempt":"2",)"
                              R"("accepts_response_payload":"yes","payload":"text"})");
  auto* envelope = std::get_if<Envelope>(&frame);
  REQUIRE(envelope);
  CHECK(envelope->retry_attempt == 0);
  CHECK_FALSE(envelope->accepts_response_payload);
  CHECK(envelope->payload_json == "{}");
  CHECK(envelope->event_id.empty());
}

TEST_CASE("acks carry a payload only when the envelope accepts one", "[socket_mode][frames]") {
  CHECK(build_ack("e-1", false) == R"({"envelope_id":"e-1"})");
  CHECK(build_ack("e-1", true) == R"({"envelope_id":"e-1"})");
  CHECK(build_ack("e-1", false, R"({"text":"hi"})") == R"({"envelope_id":"e-1"})");
  CHECK(build_ack("e-1", true, R"({"text":"hi"})") ==
        R"({"envelope_id":"e-1","payload":{"text":"hi"}})");
  CHECK(build_ack("a\"b", false) == R"({"envelope_id":"a\"b"})");
}
