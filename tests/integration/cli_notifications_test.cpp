// Idempotency and channel notifications end to end: what the emulated Slack received.
#include <algorithm>
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
using bridgebot::emulator::Message;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count_containing(const std::vector<Message>& messages, const std::string& part) {
  return static_cast<std::size_t>(std::count_if(
      messages.begin(), messages.end(), [&](const Message& m) { return contains(m.text, part); }));
}

}  // namespace

TEST_CASE("a message id sent again, before and after delivery, posts once", "[cli][idempotency]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  bridge.settings.copy_to_sender = false;
  bridge.start_bot();
  const auto body = message_body("msg-once", carol(), {user_mention(bob())}, "only once please");

  REQUIRE(bridge.api->post("/v1/messages", body).status == 202);
  // Retried at once, as a platform does after a timeout, while the first may still be queued.
  CHECK(json_string(bridge.api->post("/v1/messages", body).body, "status") == "duplicate");
  REQUIRE(json_string(bridge.wait_final("msg-once"), "status") == "delivered");
  CHECK(json_string(bridge.api->post("/v1/messages", body).body, "status") == "duplicate");

  // A later message to the same recipient is delivered after anything queued before it (one
  // ordering key per recipient): once it is there, a second copy would have been too.
  REQUIRE(bridge.api
              ->post("/v1/messages",
                     message_body("msg-after", carol(), {user_mention(bob())}, "the barrier"))
              .status == 202);
  REQUIRE(json_string(bridge.wait_final("msg-after"), "status") == "delivered");

  const auto to_bob = bridge.bot_dm_messages("U0002");
  CHECK(count_containing(to_bob, "only once please") == 1);
  CHECK(count_containing(to_bob, "the barrier") == 1);
}

TEST_CASE("notifications with one thread_key form a thread in the channel",
          "[cli][notifications]") {
  Bridge bridge;
  bridge.start_bot();
  REQUIRE(bridge.api
              ->post("/v1/notifications",
                     notification_body("evt-1", "helpdesk", "Ticket #42 created",
                                       "The printer is on fire", "warning", "ticket-42"))
              .status == 202);
  REQUIRE(
      bridge.api
          ->post("/v1/notifications", notification_body("evt-2", "helpdesk", "Ticket #42 updated",
                                                        "The fire is out", "info", "ticket-42"))
          .status == 202);

  const std::string first = bridge.wait_final("evt-1", true);
  const std::string second = bridge.wait_final("evt-2", true);
  INFO(first << "\n" << second << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(first, "status") == "delivered");
  REQUIRE(json_string(second, "status") == "delivered");
  CHECK(json_string(first, "deliveries.0.channel") == bridge.demo.helpdesk_channel);

  const auto in_helpdesk = bridge.emulator.messages_in(bridge.demo.helpdesk_channel);
  REQUIRE(in_helpdesk.size() == 2);
  const Message& opener = in_helpdesk[0];
  const Message& reply = in_helpdesk[1];
  CHECK(contains(opener.text + opener.blocks_json, "Ticket #42 created"));
  CHECK(opener.thread_ts.empty());
  CHECK(contains(reply.text + reply.blocks_json, "Ticket #42 updated"));
  CHECK(reply.thread_ts == opener.ts);
  CHECK(json_string(first, "deliveries.0.ts") == opener.ts);
  // Severity is shown to the reader.
  CHECK(contains(opener.text + opener.blocks_json, "Warning"));
  // Fields travel along.
  CHECK(contains(opener.blocks_json, "Urgent"));
}

TEST_CASE("a notification routed to an incoming webhook arrives there, severity shown",
          "[cli][notifications]") {
  Bridge bridge;
  bridge.start_bot();
  const auto response = bridge.api->post(
      "/v1/notifications", notification_body("evt-alert", "alerts", "Disk full on db-1", "97% used",
                                             "critical", "disk-db-1"));
  INFO(response.body);
  REQUIRE(response.status == 202);
  const std::string state = bridge.wait_final("evt-alert", true);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");

  const auto messages = bridge.emulator.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].webhook_id == bridge.demo.webhook_id);
  CHECK(messages[0].channel == bridge.demo.general_channel);
  const std::string shown = messages[0].text + messages[0].blocks_json;
  CHECK(contains(shown, "Disk full on db-1"));
  CHECK(contains(shown, "Critical"));
}

TEST_CASE("a notification id sent again is answered duplicate and posts once",
          "[cli][notifications][idempotency]") {
  Bridge bridge;
  bridge.start_bot();
  const auto body = notification_body("evt-once", "helpdesk", "Once", "only one post");
  REQUIRE(bridge.api->post("/v1/notifications", body).status == 202);
  const auto again = bridge.api->post("/v1/notifications", body);
  CHECK(again.status == 200);
  CHECK(json_string(again.body, "status") == "duplicate");
  REQUIRE(json_string(bridge.wait_final("evt-once", true), "status") == "delivered");
  CHECK(json_string(bridge.api->post("/v1/notifications", body).body, "status") == "duplicate");
  CHECK(count_containing(bridge.emulator.messages_in(bridge.demo.helpdesk_channel), "Once") == 1);
}
