#include <catch2/catch.hpp>

#include "bridgebot/bridge/outbox_payloads.h"

using namespace bridgebot::bridge;

TEST_CASE("message payloads round-trip every field, including hostile text", "[bridge][payload]") {
  MessagePayload payload;
  payload.message.id = "msg-1";
  payload.message.team_id = "T0001";
  payload.message.sender = {"p-alice", "alice@example.com", "Alice \"A\" Ng", "https://a/x.png",
                            true};
  payload.message.mentions = {{MentionType::user, "p-bob", "bob@example.com", "Bob"}};
  payload.message.text = "<!channel> \u00e9\n\"quoted\" \\ back";
  payload.message.url = "https://platform.example/m/1";
  payload.message.space_id = "42";
  payload.message.space_name = "Design floor";
  payload.message.sent_at = "2026-11-21T10:00:00Z";
  payload.recipient = payload.message.mentions[0];

  auto decoded = decode_message_payload(encode_message_payload(payload));
  REQUIRE(decoded.ok());
  CHECK(decoded->message.text == payload.message.text);
  CHECK(decoded->message.sender.name == "Alice \"A\" Ng");
  CHECK(decoded->message.sender.external);
  CHECK(decoded->message.space_name == "Design floor");
  CHECK(decoded->recipient.id == "p-bob");
  CHECK(decoded->recipient.email == "bob@example.com");
  REQUIRE(decoded->message.mentions.size() == 1);
}

TEST_CASE("notification payloads round-trip, and corrupt payloads are refused",
          "[bridge][payload]") {
  PlatformNotification n;
  n.id = "evt-77";
  n.route = "helpdesk";
  n.title = "Ticket #42 created";
  n.severity = "critical";
  n.fields = {{"Priority", "Urgent"}};
  n.thread_key = "ticket-42";
  auto decoded = decode_notification_payload(encode_notification_payload(n));
  REQUIRE(decoded.ok());
  CHECK(decoded->severity == "critical");
  CHECK(decoded->fields[0].value == "Urgent");
  CHECK(decoded->thread_key == "ticket-42");

  CHECK(decode_notification_payload("{}").error().code == "invalid_payload");
  CHECK(decode_message_payload("not json").error().code == "invalid_payload");
  CHECK(decode_message_payload(R"({"id":"m"})").error().code == "invalid_payload");
}
