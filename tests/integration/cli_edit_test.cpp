// Edit (PATCH /v1/installations/{team}) with the real binary: what the admin changes is what the
// next message does, without a restart.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"

using namespace bridgebot::test;
namespace emu = bridgebot::emulator;

namespace {

// billing -> the installation's default destination.
void route_billing_to_default(Bridge& bridge) {
  bridge.settings.routes_yaml += "    - match: {route: billing}\n      to: [{default: true}]\n";
}

// Posts a billing notification and requires that it is delivered; returns the message Slack got.
emu::Message notify_billing(Bridge& bridge, const std::string& id) {
  const auto sent = bridge.api->post("/v1/notifications",
                                     notification_body(id, "billing", "Invoice " + id, "paid"));
  INFO(sent.body);
  REQUIRE(sent.status == 202);
  const std::string state = bridge.wait_final(id, true);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  const auto messages = bridge.emulator.messages();
  REQUIRE_FALSE(messages.empty());
  return messages.back();
}

// Relays a DM from alice to bob (both linked) and returns what bob got.
emu::Message relay_to_bob(Bridge& bridge, const std::string& id) {
  REQUIRE(bridge.api->post("/v1/messages", message_body(id, alice(), {user_mention(bob())}, "ping"))
              .status == 202);
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE_FALSE(to_bob.empty());
  return to_bob.back();
}

}  // namespace

TEST_CASE("Edit moves default notifications from the install-time webhook to a channel",
          "[cli][edit]") {
  Bridge bridge;
  route_billing_to_default(bridge);
  bridge.settings.bot_token.clear();
  bridge.settings.oauth_extra_scopes = {"incoming-webhook"};
  bridge.enable_oauth();
  bridge.start_bot();
  bridge.install_with_oauth();  // the admin picks #general for the webhook on Slack's page

  const auto by_webhook = notify_billing(bridge, "bill-1");
  CHECK_FALSE(by_webhook.webhook_id.empty());
  CHECK(by_webhook.channel == bridge.demo.general_channel);

  const auto refused =
      bridge.admin("PATCH", "/v1/installations/T0001", R"({"notification_channel":"#helpdesk"})");
  CHECK(refused.status == 400);
  CHECK(json_string(refused.body, "field") == "notification_channel");
  const auto elsewhere =
      bridge.admin("PATCH", "/v1/installations/T0001", R"({"workspace_domain":"globex"})");
  CHECK(elsewhere.status == 422);
  CHECK(json_string(elsewhere.body, "error") == "domain_mismatch");

  const auto edited =
      bridge.admin("PATCH", "/v1/installations/T0001",
                   R"({"notification_channel":")" + bridge.demo.helpdesk_channel + R"("})");
  INFO(edited.body);
  REQUIRE(edited.status == 200);
  CHECK(json_string(edited.body, "notification_channel") == bridge.demo.helpdesk_channel);
  CHECK(json_string(edited.body, "domain") == "acme");

  const auto by_bot = notify_billing(bridge, "bill-2");
  CHECK(by_bot.webhook_id.empty());
  CHECK(by_bot.channel == bridge.demo.helpdesk_channel);
  CHECK(by_bot.author_user_id == bridge.demo.bot_user_id);
}

TEST_CASE("Edit turns the sender's name and avatar on DMs off and on again", "[cli][edit]") {
  Bridge bridge;
  bridge.start_bot();  // the demo token has chat:write.customize
  bridge.link(alice());
  bridge.link(bob());

  const auto shown = relay_to_bob(bridge, "ident-1");
  CHECK(shown.username == "Alice Ng");
  CHECK_THAT(shown.icon_url, Catch::Contains("p-alice"));

  REQUIRE(bridge.admin("PATCH", "/v1/installations/T0001", R"({"sender_identity":false})").status ==
          200);
  const auto plain = relay_to_bob(bridge, "ident-2");
  CHECK(plain.username.empty());
  CHECK(plain.icon_url.empty());
  CHECK_THAT(plain.text, Catch::Contains("<@U0001>"));  // still says who it is from

  REQUIRE(bridge.admin("PATCH", "/v1/installations/T0001", R"({"sender_identity":true})").status ==
          200);
  CHECK(relay_to_bob(bridge, "ident-3").username == "Alice Ng");
}
