// Zendesk ticket events through the real binary: signed by a test-side Zendesk, refused when
// forged or stale, posted once across Zendesk's retries, threaded per ticket in #helpdesk.
#include <catch2/catch.hpp>
#include <ctime>

#include "support/cli_fixture.h"
#include "support/zendesk_sender.h"

using namespace bridgebot::test;
using bridgebot::emulator::Message;

namespace {

constexpr const char* kZendeskSecret = "zendesk-webhook-secret";

// A bridge with one Zendesk source "support" (domain given as a URL, as admins paste it) whose
// tickets take the helpdesk route to #helpdesk.
struct ZendeskBridge {
  ZendeskBridge() {
    bridge.settings.sources_yaml = std::string("sources:\n  zendesk:\n") + "    - id: support\n" +
                                   "      domain: https://acme.zendesk.com/agent\n" +
                                   "      signing_secret: \"" + kZendeskSecret + "\"\n" +
                                   "      route: helpdesk\n";
    bridge.start_bot();
    zendesk = std::make_unique<ZendeskSender>(bridge.bot->base_url(), "support", kZendeskSecret);
  }
  std::vector<Message> helpdesk() {
    return bridge.emulator.messages_in(bridge.demo.helpdesk_channel);
  }
  // The "sources" entry of Test Connection for T0001.
  std::string source_report() {
    const auto report = bridge.admin("POST", "/v1/installations/T0001/test");
    INFO(report.body);
    REQUIRE(report.status == 200);
    return report.body;
  }

  Bridge bridge;
  std::unique_ptr<ZendeskSender> zendesk;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a ticket's update threads under its creation in the route's channel", "[cli][zendesk]") {
  ZendeskBridge z;
  const auto created = z.zendesk->send(
      zendesk_ticket_event("ev-created-1", "created", 35436, "Printer on fire", "OPEN", "URGENT"));
  INFO(created.body << "\n" << z.bridge.bot->output_tail());
  REQUIRE(created.status == 202);
  CHECK(json_string(created.body, "status") == "queued");
  REQUIRE(z.zendesk
              ->send(zendesk_ticket_event("ev-status-2", "status_changed", 35436, "Printer on fire",
                                          "PENDING", "URGENT"))
              .status == 202);

  // The event id is the notification's id: the platform API reports its delivery.
  REQUIRE(json_string(z.bridge.wait_final("ev-created-1", true), "status") == "delivered");
  REQUIRE(json_string(z.bridge.wait_final("ev-status-2", true), "status") == "delivered");
  const auto posted = z.helpdesk();
  REQUIRE(posted.size() == 2);
  const std::string opener = posted[0].text + posted[0].blocks_json;
  const std::string update = posted[1].text + posted[1].blocks_json;
  CHECK(contains(opener, "Ticket #35436 created: Printer on fire"));
  CHECK(contains(opener, "https://acme.zendesk.com/agent/tickets/35436"));
  CHECK(contains(opener, "Urgent"));
  CHECK(posted[0].thread_ts.empty());
  CHECK(contains(update, "Ticket #35436 updated: Printer on fire"));
  CHECK(contains(update, "Pending"));
  CHECK(posted[1].thread_ts == posted[0].ts);

  // Another ticket opens its own thread.
  REQUIRE(
      z.zendesk
          ->send(zendesk_ticket_event("ev-created-3", "created", 35437, "Paper jam", "NEW", "LOW"))
          .status == 202);
  REQUIRE(json_string(z.bridge.wait_final("ev-created-3", true), "status") == "delivered");
  const auto after = z.helpdesk();
  REQUIRE(after.size() == 3);
  CHECK(after[2].thread_ts.empty());
}

TEST_CASE("Zendesk's retries of one event post it once", "[cli][zendesk][idempotency]") {
  ZendeskBridge z;
  const std::string event =
      zendesk_ticket_event("ev-retried", "created", 9001, "Retry me", "OPEN", "NORMAL");
  REQUIRE(z.zendesk->send(event).status == 202);
  // Zendesk retries an invocation it thinks failed: same body, new timestamp and signature.
  const auto retry =
      z.zendesk->send(event, {static_cast<std::int64_t>(std::time(nullptr)) - 30, std::nullopt});
  CHECK(retry.status == 200);
  CHECK(json_string(retry.body, "status") == "duplicate");
  REQUIRE(json_string(z.bridge.wait_final("ev-retried", true), "status") == "delivered");
  CHECK(json_string(z.zendesk->send(event).body, "status") == "duplicate");

  // A later event of another ticket is delivered after it; by then a second copy would be there.
  REQUIRE(
      z.zendesk->send(zendesk_ticket_event("ev-barrier", "created", 9002, "Barrier", "OPEN", "LOW"))
          .status == 202);
  REQUIRE(json_string(z.bridge.wait_final("ev-barrier", true), "status") == "delivered");
  int copies = 0;
  for (const auto& message : z.helpdesk()) copies += contains(message.text, "Retry me") ? 1 : 0;
  CHECK(copies == 1);
}

TEST_CASE(
    "forged and stale Zendesk requests are refused, post nothing, and show in Test Connection",
    "[cli][zendesk][security]") {
  ZendeskBridge z;
  CHECK(json_string(z.source_report(), "sources.0.status") == "no_events_yet");
  const std::string event =
      zendesk_ticket_event("ev-forged", "created", 1, "Forged", "OPEN", "URGENT");

  const auto forged = z.zendesk->send(event, {std::nullopt, std::string("not-the-secret")});
  CHECK(forged.status == 401);
  CHECK(json_string(forged.body, "error") == "invalid_signature");
  const auto stale = z.zendesk->send(
      event, {static_cast<std::int64_t>(std::time(nullptr)) - 10 * 60, std::nullopt});
  CHECK(stale.status == 401);
  CHECK(json_string(stale.body, "error") == "stale_timestamp");
  ZendeskSender unknown(z.bridge.bot->base_url(), "billing", kZendeskSecret);
  CHECK(unknown.send(event).status == 404);

  std::string report = z.source_report();
  CHECK(json_string(report, "sources.0.id") == "support");
  CHECK(json_string(report, "sources.0.domain") == "acme");
  CHECK(json_string(report, "sources.0.status") == "failing");
  CHECK(json_string(report, "sources.0.last_failure").rfind("invalid_signature", 0) == 0);
  CHECK_FALSE(json_string(report, "sources.0.action").empty());

  // Nothing was accepted: the event id is unknown, and the same event signed right is new.
  CHECK(z.bridge.api->get("/v1/notifications/ev-forged").status == 404);
  REQUIRE(z.zendesk->send(event).status == 202);
  REQUIRE(json_string(z.bridge.wait_final("ev-forged", true), "status") == "delivered");
  CHECK(z.helpdesk().size() == 1);

  const auto ignored = z.zendesk->send(
      R"({"type":"zen:event-type:user.created","id":"ev-user","detail":{"id":"5"}})");
  CHECK(ignored.status == 200);
  CHECK(json_string(ignored.body, "status") == "ignored");

  // What the source last did outlives a restart.
  REQUIRE(z.bridge.stop_bot().exited);
  z.bridge.start_bot();
  report = z.source_report();
  INFO(report);
  CHECK(json_string(report, "sources.0.status") == "receiving");
  CHECK(json_string(report, "sources.0.last_event_id") == "ev-user");
  CHECK(z.helpdesk().size() == 1);
}
