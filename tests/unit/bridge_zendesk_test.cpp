// Zendesk's webhook signature and the mapping of its ticket events (pure parts of
// bridge/sources).
#include <catch2/catch.hpp>

#include "bridgebot/bridge/sources/zendesk.h"
#include "bridgebot/core/crypto.h"

using namespace bridgebot;
using namespace bridgebot::bridge::sources;

namespace {

core::ZendeskSource support_source() {
  return {"support", "acme", "zendesk-secret", "helpdesk", ""};
}

// As Zendesk's reference lists it for ticket events (ids are strings).
const char* kTicketCreated = R"({
  "type": "zen:event-type:ticket.created",
  "account_id": 12514403,
  "id": "cbe4028c-7239-495d-b020-f22348516046",
  "time": "2026-11-21T10:00:00Z",
  "zendesk_event_version": "2022-11-06",
  "subject": "zen:ticket:35436",
  "detail": {"id": "35436", "subject": "Printer on fire", "status": "OPEN", "priority": "URGENT",
             "description": "Smoke everywhere", "via": {"channel": "web"}},
  "event": {"meta": {"sequence": {"id": "C2", "position": 1}}}
})";

const char* kStatusChanged = R"({
  "type": "zen:event-type:ticket.status_changed",
  "id": "7d6c0bd4-0001",
  "subject": "zen:ticket:35436",
  "detail": {"id": "35436", "subject": "Printer on fire", "status": "PENDING", "priority": null},
  "event": {"current": "PENDING", "previous": "OPEN"}
})";

}  // namespace

TEST_CASE("Zendesk's ISO-8601 timestamps are read as Unix seconds", "[bridge][zendesk]") {
  CHECK(parse_iso8601("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_iso8601("2021-03-25T05:09:27Z") == 1616648967);
  CHECK(parse_iso8601("2021-03-25T05:09:27.123Z") == 1616648967);
  CHECK(parse_iso8601("2021-03-25T07:09:27+02:00") == 1616648967);
  for (const char* bad :
       {"", "1616648967", "2021-03-25 05:09:27Z", "2021-02-30T00:00:00Z", "2021-03-25T05:09:27",
        "2021-03-25T05:09:27Zjunk", "2021-03-25T25:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad).has_value());
  }
}

TEST_CASE("Zendesk's signature is base64 HMAC-SHA256 over timestamp then body",
          "[bridge][zendesk]") {
  // Computed independently: printf '%s' "2021-07-25T10:00:00Z{\"say\": \"hello\"}" |
  //   openssl dgst -sha256 -hmac secret -binary | base64
  const std::string body = R"({"say": "hello"})";
  const std::string expected =
      core::base64_encode(core::hmac_sha256("secret", std::string("2021-07-25T10:00:00Z") + body));
  CHECK(zendesk_signature("secret", "2021-07-25T10:00:00Z", body) == expected);
  CHECK(expected.size() == 44);  // 32 bytes, padded base64
}

TEST_CASE("a signed request within 5 minutes verifies; forged or stale ones do not",
          "[bridge][zendesk]") {
  const std::string ts = "2026-11-21T10:00:00Z";
  const std::int64_t at = *parse_iso8601(ts);
  const std::string body = kTicketCreated;
  const std::string good = zendesk_signature("zendesk-secret", ts, body);

  CHECK(verify_zendesk_signature("zendesk-secret", ts, good, body, at).ok());
  CHECK(verify_zendesk_signature("zendesk-secret", ts, good, body, at + 300).ok());
  CHECK(verify_zendesk_signature("zendesk-secret", ts, good, body, at - 300).ok());

  auto code = [&](std::string_view secret, std::string_view stamp, std::string_view signature,
                  std::string_view text, std::int64_t now) {
    auto verified = verify_zendesk_signature(secret, stamp, signature, text, now);
    return verified.ok() ? std::string("ok") : verified.error().code;
  };
  CHECK(code("other-secret", ts, good, body, at) == "invalid_signature");
  CHECK(code("zendesk-secret", ts, good, body + " ", at) == "invalid_signature");
  CHECK(code("zendesk-secret", ts, "", body, at) == "invalid_signature");
  CHECK(code("zendesk-secret", ts, good, body, at + 301) == "stale_timestamp");
  CHECK(code("zendesk-secret", ts, good, body, at - 301) == "stale_timestamp");
  CHECK(code("zendesk-secret", "", good, body, at) == "stale_timestamp");
  // The time signed is the header's text: another spelling of the same instant does not verify.
  CHECK(code("zendesk-secret", "2026-11-21T10:00:00.000Z", good, body, at) == "invalid_signature");
}

TEST_CASE("a ticket.created event becomes the opening notification of the ticket's thread",
          "[bridge][zendesk]") {
  auto outcome = map_zendesk_event(kTicketCreated, support_source());
  REQUIRE(outcome.ok());
  REQUIRE(outcome->notification);
  const auto& n = *outcome->notification;
  CHECK(n.id == "cbe4028c-7239-495d-b020-f22348516046");
  CHECK(n.route == "helpdesk");
  CHECK(n.team_id.empty());
  CHECK(n.title == "Ticket #35436 created: Printer on fire");
  CHECK(n.text == "Smoke everywhere");
  CHECK(n.thread_key == "zendesk:acme:35436");
  CHECK(n.url == "https://acme.zendesk.com/agent/tickets/35436");
  CHECK(n.severity == "critical");
  REQUIRE(n.fields.size() == 2);
  CHECK(n.fields[0].title == "Status");
  CHECK(n.fields[0].value == "Open");
  CHECK(n.fields[1].title == "Priority");
  CHECK(n.fields[1].value == "Urgent");
}

TEST_CASE("other ticket events are updates in the same thread", "[bridge][zendesk]") {
  core::ZendeskSource source = support_source();
  source.team_id = "T0001";
  auto outcome = map_zendesk_event(kStatusChanged, source);
  REQUIRE(outcome.ok());
  REQUIRE(outcome->notification);
  const auto& n = *outcome->notification;
  CHECK(n.title == "Ticket #35436 updated: Printer on fire");
  CHECK(n.text == "Status changed from Open to Pending");
  CHECK(n.thread_key == "zendesk:acme:35436");
  CHECK(n.team_id == "T0001");
  CHECK(n.severity == "info");
  REQUIRE(n.fields.size() == 1);  // no priority set
  CHECK(n.fields[0].value == "Pending");
}

TEST_CASE("a numeric ticket id and a missing subject are taken as they come", "[bridge][zendesk]") {
  auto outcome = map_zendesk_event(
      R"({"type":"zen:event-type:ticket.priority_changed","id":"e-1","subject":"zen:ticket:7",
          "detail":{"id":7,"priority":"HIGH"},"event":{"current":"HIGH","previous":"LOW"}})",
      support_source());
  REQUIRE(outcome.ok());
  REQUIRE(outcome->notification);
  CHECK(outcome->notification->title == "Ticket #7 updated");
  CHECK(outcome->notification->severity == "warning");
  CHECK(outcome->notification->url == "https://acme.zendesk.com/agent/tickets/7");
}

TEST_CASE("events other than ticket events are ignored, not refused", "[bridge][zendesk]") {
  auto outcome = map_zendesk_event(
      R"({"type":"zen:event-type:user.active_changed","id":"u-1","subject":"zen:user:5",
          "detail":{"id":"5"}})",
      support_source());
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->notification);
  CHECK(outcome->event_id == "u-1");
  CHECK(outcome->event_type == "zen:event-type:user.active_changed");
}

TEST_CASE("a body that is not a Zendesk event is refused naming the field", "[bridge][zendesk]") {
  auto field_of = [](const char* body) {
    auto outcome = map_zendesk_event(body, support_source());
    REQUIRE_FALSE(outcome.ok());
    return outcome.error().code + ":" + outcome.error().field;
  };
  CHECK(field_of("not json") == "invalid_json:");
  CHECK(field_of(R"({"id":"e-1"})") == "invalid_field:type");
  CHECK(field_of(R"({"type":"zen:event-type:ticket.created"})") == "invalid_field:id");
  CHECK(field_of(R"({"type":"zen:event-type:ticket.created","id":"e-1"})") ==
        "invalid_field:detail");
  CHECK(field_of(R"({"type":"zen:event-type:ticket.created","id":"e-1","detail":{"id":"x1"}})") ==
        "invalid_field:detail.id");
}
