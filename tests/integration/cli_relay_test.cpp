// Each relay case end to end: a signed POST /v1/messages to the real binary, what the emulated
// Slack received, and what GET /v1/messages/{id} reports.
#include <catch2/catch.hpp>
#include <thread>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
using bridgebot::emulator::Message;
namespace emu = bridgebot::emulator;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string accepted(Bridge& bridge, const std::string& body) {
  const auto response = bridge.api->post("/v1/messages", body);
  INFO(response.body);
  REQUIRE(response.status == 202);
  return json_string(response.body, "id");
}

}  // namespace

TEST_CASE("a linked sender's mention reaches the recipient as from them, with a copy to them",
          "[cli][relay]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(alice());
  bridge.link(bob());

  const std::string id = accepted(
      bridge, message_body("msg-linked", alice(), {user_mention(bob())}, "release notes?"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  REQUIRE(json_array_size(state, "deliveries") == 2);

  // Bob's DM with the bot names Alice as her Slack user, under her name and avatar
  // (the demo bot token has chat:write.customize).
  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE(to_bob.size() == 1);
  CHECK(contains(to_bob[0].text, "<@U0001>"));
  CHECK(contains(to_bob[0].text, "release notes?"));
  CHECK(contains(to_bob[0].text, "Design floor"));
  CHECK(contains(to_bob[0].text, "https://platform.example/spaces/42/messages/msg-linked"));
  CHECK(to_bob[0].username == "Alice Ng");
  CHECK(to_bob[0].icon_url == "https://platform.example/avatars/p-alice.png");
  CHECK(to_bob[0].author_user_id == bridge.demo.bot_user_id);

  // Alice gets her copy: "you → @Bob: …".
  const auto to_alice = bridge.bot_dm_messages("U0001");
  REQUIRE(to_alice.size() == 1);
  CHECK(contains(to_alice[0].text, "you \u2192 <@U0002>"));
  CHECK(contains(to_alice[0].text, "release notes?"));

  // The status names both deliveries exactly as Slack stored them.
  for (int i = 0; i < 2; ++i) {
    const std::string at = "deliveries." + std::to_string(i) + ".";
    const std::string role = json_string(state, at + "role");
    const Message& posted = role == "recipient" ? to_bob[0] : to_alice[0];
    INFO(role);
    CHECK((role == "recipient" || role == "sender_copy"));
    CHECK(json_string(state, at + "slack_user") == (role == "recipient" ? "U0002" : "U0001"));
    CHECK(json_string(state, at + "channel") == posted.channel);
    CHECK(json_string(state, at + "ts") == posted.ts);
  }

  // What an operator's Prometheus scrapes counts both deliveries (the counter moves just after
  // the status does, hence the wait).
  std::string metrics;
  CHECK(wait_until(
      [&] {
        metrics = bridge.api->get("/metrics").body;
        return contains(metrics, "bridgebot_outbox_items_total{outcome=\"delivered\"} 2\n");
      },
      std::chrono::seconds(5)));
  CHECK(contains(metrics, "bridgebot_outbox_items_total{outcome=\"failed\"} 0\n"));
}

TEST_CASE("an unlinked sender's mention arrives as the bot's fallback DM naming them",
          "[cli][relay]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(bob());

  const std::string id =
      accepted(bridge, message_body("msg-unlinked", carol(), {user_mention(bob())}, "ping"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  CHECK(json_string(state, "deliveries.0.role") == "recipient");
  CHECK(json_string(state, "deliveries.0.slack_user") == "U0002");

  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE(to_bob.size() == 1);
  CHECK(contains(to_bob[0].text, "Carol C mentioned you in Design floor"));
  CHECK(contains(to_bob[0].text, "ping"));
  CHECK_FALSE(contains(to_bob[0].text, "<@U0003>"));  // not linked: not shown as her Slack user
  CHECK(to_bob[0].username.empty());                  // the bot speaks as itself
  // Carol gets no copy: she never linked, so the bot has nobody to send it to.
  CHECK(bridge.bot_dm_messages("U0003").empty());
}

TEST_CASE("an external visitor's mention is marked (guest), even with a Slack-known email",
          "[cli][relay]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(bob());
  // The visitor claims carol's email; external senders are never trusted as Slack users.
  Person visitor{"v-1", "carol@example.com", "Vera Visitor", true};

  const std::string id =
      accepted(bridge, message_body("msg-guest", visitor, {user_mention(bob())}, "hello there"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");
  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE(to_bob.size() == 1);
  CHECK(contains(to_bob[0].text, "Vera Visitor (guest) mentioned you"));
  CHECK(to_bob[0].username.empty());
  CHECK(bridge.bot_dm_messages("U0003").empty());
}

TEST_CASE("a recipient who has not linked gets nothing while links are required", "[cli][relay]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(alice());

  const std::string id =
      accepted(bridge, message_body("msg-nolink", alice(), {user_mention(carol())}, "hi"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  CHECK(json_string(state, "status") == "undeliverable");
  CHECK(json_string(state, "reason") == "recipient_not_linked");
  CHECK(bridge.bot_dm_messages("U0003").empty());
}

TEST_CASE("a recipient without a Slack account is undeliverable recipient_not_in_slack",
          "[cli][relay]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;  // so only the Slack account is missing
  bridge.start_bot();
  Person zed{"p-zed", "zed@nowhere.example", "Zed"};

  const std::string id =
      accepted(bridge, message_body("msg-noslack", alice(), {user_mention(zed)}, "hi"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  CHECK(json_string(state, "status") == "undeliverable");
  CHECK(json_string(state, "reason") == "recipient_not_in_slack");
  CHECK(bridge.emulator.messages().empty());
}

TEST_CASE("with links not required, an email match is enough to receive DMs", "[cli][relay]") {
  Bridge bridge;
  bridge.settings.require_recipient_link = false;
  bridge.start_bot();
  const std::string id =
      accepted(bridge, message_body("msg-email", alice(), {user_mention(carol())}, "hi carol"));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  CHECK(json_string(state, "status") == "delivered");
  REQUIRE(bridge.bot_dm_messages("U0003").size() == 1);
}

TEST_CASE("platform text cannot ping, mention or forge links in Slack", "[cli][relay][escape]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(bob());
  const std::string hostile =
      "<!channel> <!here> <!everyone> hey <@U0002> see <#C1> and <!subteam^S1> "
      "<http://evil.example|click> @channel @everyone @here";
  // Also as the sender's name and the space's name, which land in the header line.
  Person mallory{"p-mallory", "mallory@evil.example", "<!channel> @here Mallory"};

  const std::string id =
      accepted(bridge, message_body("msg-evil", mallory, {user_mention(bob())}, hostile));
  const std::string state = bridge.wait_final(id);
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");

  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE(to_bob.size() == 1);
  for (const std::string& stored : {to_bob[0].text, to_bob[0].blocks_json}) {
    INFO(stored);
    for (const char* live :
         {"<!channel>", "<!here>", "<!everyone>", "<@U0002>", "<#C1>", "<!subteam^S1>",
          "<http://evil", "|click>", "@channel", "@everyone", "@here"}) {
      INFO(live);
      CHECK_FALSE(contains(stored, live));
    }
    // The words are still there for Bob to read, just inert.
    CHECK(contains(stored, "&lt;!channel&gt;"));
    CHECK(contains(stored, "evil.example|click"));
  }
}

TEST_CASE("over HTTPS the bot relays when it trusts Slack's CA, and refuses to start otherwise",
          "[cli][relay][tls]") {
  Bridge bridge(BridgeOptions{true});
  REQUIRE(bridge.server.api_base_url().rfind("https://", 0) == 0);
  bridge.settings.require_recipient_link = false;

  SECTION("trusted through slack.tls.ca_file") {
    bridge.start_bot();
    const std::string id =
        accepted(bridge, message_body("msg-tls", carol(), {user_mention(bob())}, "over tls"));
    const std::string state = bridge.wait_final(id);
    INFO(state << "\n" << bridge.bot->output_tail());
    CHECK(json_string(state, "status") == "delivered");
    CHECK(bridge.bot_dm_messages("U0002").size() == 1);
  }
  SECTION("an unknown CA stops the start with a reason") {
    bridge.settings.ca_file.clear();
    BotProcess bot(bridge.dir.path(), bot_config_yaml(bridge.settings));
    const auto failure = bot.start();
    REQUIRE(failure.has_value());
    INFO(*failure);
    CHECK(contains(*failure, "cannot start"));
    CHECK(contains(*failure, "tls"));
    CHECK(bridge.emulator.messages().empty());
  }
}

TEST_CASE("an unlink, a relink and a Disconnect take effect for the very next delivery",
          "[cli][relay][links]") {
  // Deliveries keep the links they read in memory (under the installation's generation, which
  // every link write changes): each step below follows deliveries that read the same links.
  Bridge bridge;
  bridge.start_bot();
  bridge.link(alice());
  bridge.link(bob());
  auto deliver = [&](const std::string& id, const std::string& text) {
    const std::string state =
        bridge.wait_final(accepted(bridge, message_body(id, alice(), {user_mention(bob())}, text)));
    INFO(state << "\n" << bridge.bot->output_tail());
    return state;
  };
  auto last_to_bob = [&] {
    const auto to_bob = bridge.bot_dm_messages("U0002");
    REQUIRE_FALSE(to_bob.empty());
    return to_bob.back();
  };

  REQUIRE(json_string(deliver("msg-warm", "first"), "status") == "delivered");
  CHECK(contains(last_to_bob().text, "<@U0001>"));  // Alice as her Slack user

  // Alice unlinks: the next message names her in plain text, as an unlinked sender.
  REQUIRE(bridge.api->del("/v1/users/p-alice/link").status == 204);
  REQUIRE(json_string(deliver("msg-unlinked", "second"), "status") == "delivered");
  CHECK(contains(last_to_bob().text, "Alice Ng mentioned you"));
  CHECK_FALSE(contains(last_to_bob().text, "<@U0001>"));

  // She links again: shown as her Slack user again.
  bridge.link(alice());
  REQUIRE(json_string(deliver("msg-relinked", "third"), "status") == "delivered");
  CHECK(contains(last_to_bob().text, "<@U0001>"));

  // Bob unlinks while links are required: the next message to him is undeliverable.
  REQUIRE(bridge.api->del("/v1/users/p-bob/link").status == 204);
  const std::string to_unlinked = deliver("msg-recipient-unlinked", "fourth");
  CHECK(json_string(to_unlinked, "status") == "undeliverable");
  CHECK(json_string(to_unlinked, "reason") == "recipient_not_linked");
  CHECK(bridge.bot_dm_messages("U0002").size() == 3);

  // Bob links again; his next message's first post is told to wait 2 s (its delivery has read
  // both links by then), and the workspace is disconnected meanwhile: nothing is posted after.
  bridge.link(bob());
  bridge.emulator.inject_fault("chat.postMessage", emu::Fault::ratelimited(2s));
  accepted(bridge, message_body("msg-disconnected", alice(), {user_mention(bob())}, "fifth"));
  const auto posts_before = bridge.emulator.calls_of("chat.postMessage").size();
  REQUIRE(
      wait_until([&] { return bridge.emulator.calls_of("chat.postMessage").size() > posts_before; },
                 10s, 10ms));
  REQUIRE(bridge.admin("DELETE", "/v1/installations/T0001").status == 204);
  const auto posts_at_disconnect = bridge.emulator.calls_of("chat.postMessage").size();
  std::this_thread::sleep_for(4s);
  INFO(bridge.bot->output_tail());
  CHECK(bridge.emulator.calls_of("chat.postMessage").size() == posts_at_disconnect);
}
