// Personal Connect with the real binary: the platform asks for a Connect link, the user's browser
// goes through Slack's Allow page and back, and from then on their messages are posted with their
// own token into their DM with the recipient.
#include <catch2/catch.hpp>

#include "support/cli_fixture.h"
#include "support/wait_until.h"

using namespace bridgebot::test;
using namespace std::chrono_literals;
namespace emu = bridgebot::emulator;

namespace {

constexpr const char* kReturnTo = "https://platform.example/done";

// The bot installed with the demo bot token and slack.oauth set; `slack_user` is who clicks
// Allow on Slack's page. Returns the Connect link the platform gets for alice.
std::string connect_link_for_alice(Bridge& bridge, const std::string& slack_user) {
  bridge.enable_oauth();
  bridge.start_bot();
  bridge.emulator.with_state([&](emu::State& s) { s.consent.user_id = slack_user; });
  const auto response = bridge.api->post(
      "/v1/users/p-alice/connect",
      std::string(R"({"email":"alice@example.com","team_id":"T0001","return_to":")") + kReturnTo +
          "\"}");
  INFO(response.body);
  REQUIRE(response.status == 200);
  const std::string url = json_string(response.body, "url");
  REQUIRE_THAT(url, Catch::StartsWith(bridge.bot->base_url() + "/slack/connect?t="));
  return url;
}

// The id of the DM between two people, "" when none was opened.
std::string dm_between(Bridge& bridge, const std::string& a, const std::string& b) {
  return bridge.emulator.with_state([&](emu::State& s) {
    for (const auto& [id, dm] : s.direct_messages) {
      if (dm.has_member(a) && dm.has_member(b)) return id;
    }
    return std::string();
  });
}

// The user token Connect obtained for `slack_user` (the seed's own user token left aside).
std::string connected_token(Bridge& bridge, const std::string& slack_user) {
  return bridge.emulator.with_state([&](emu::State& s) {
    for (const auto& [value, token] : s.tokens) {
      if (token.kind == emu::TokenKind::user && token.user_id == slack_user &&
          value != bridge.demo.user_token) {
        return value;
      }
    }
    return std::string();
  });
}

}  // namespace

TEST_CASE("a connected sender's message lands in the two users' own DM, posted as the sender",
          "[cli][connect]") {
  Bridge bridge;
  const std::string url = connect_link_for_alice(bridge, "U0001");

  // Connect link -> Slack's Allow page -> the bot's redirect -> back to the platform.
  const auto done = browse(url);
  INFO(done.body << "\n" << bridge.bot->output_tail());
  REQUIRE(done.status == 302);
  CHECK(done.headers.get("Location") == kReturnTo);
  CHECK(browse(url).status == 400);  // the link works once
  const auto link = bridge.api->get("/v1/users/p-alice/link?team_id=T0001");
  CHECK(link.status == 200);
  CHECK(json_string(link.body, "slack_user_id") == "U0001");
  CHECK(link.body.find(R"("connected":true)") != std::string::npos);
  const std::string alice_token = connected_token(bridge, "U0001");
  REQUIRE_FALSE(alice_token.empty());

  bridge.link(bob());
  const auto accepted = bridge.api->post(
      "/v1/messages", message_body("connect-1", alice(), {user_mention(bob())}, "lunch at noon?"));
  REQUIRE(accepted.status == 202);
  const std::string state = bridge.wait_final("connect-1");
  INFO(state);
  REQUIRE(json_string(state, "status") == "delivered");

  // In alice and bob's own DM, by alice, with her token; the status names that conversation.
  const std::string their_dm = dm_between(bridge, "U0001", "U0002");
  REQUIRE_FALSE(their_dm.empty());
  const auto in_dm = bridge.emulator.messages_in(their_dm);
  REQUIRE(in_dm.size() == 1);
  CHECK(in_dm[0].author_user_id == "U0001");
  CHECK(in_dm[0].token == alice_token);
  CHECK(in_dm[0].text.find("lunch at noon?") != std::string::npos);
  REQUIRE(json_array_size(state, "deliveries") == 1);
  CHECK(json_string(state, "deliveries.0.role") == "recipient");
  CHECK(json_string(state, "deliveries.0.slack_user") == "U0002");
  CHECK(json_string(state, "deliveries.0.channel") == their_dm);
  CHECK(json_string(state, "deliveries.0.ts") == in_dm[0].ts);

  // No fallback copy from the bot to bob, and no sender copy to alice: the message already sits
  // in her own DM with bob.
  CHECK(bridge.bot_dm_messages("U0002").empty());
  CHECK(bridge.bot_dm_messages("U0001").empty());
  CHECK(bridge.emulator.messages().size() == 1);

  // Neither the user token nor the Connect link's single-use ticket is in the bot's log.
  const std::string log = bridge.bot->output();
  CHECK(log.find(alice_token) == std::string::npos);
  CHECK(log.find(url.substr(url.find("t=") + 2)) == std::string::npos);
}

TEST_CASE("Connect with a Slack account of another email is refused and links nothing",
          "[cli][connect]") {
  Bridge bridge;
  const std::string url = connect_link_for_alice(bridge, "U0002");  // bob clicks Allow

  const auto page = browse(url);
  INFO(page.body << "\n" << bridge.bot->output_tail());
  CHECK(page.status == 409);
  CHECK_THAT(page.body, Catch::Contains("b***b@e***.com"));
  CHECK_THAT(page.body, !Catch::Contains("bob@example.com"));
  const auto link = bridge.api->get("/v1/users/p-alice/link?team_id=T0001");
  CHECK(link.status == 404);
  CHECK(json_string(link.body, "error") == "not_linked");
}

TEST_CASE("tokens_revoked naming a connected user keeps an email link; the bot relays for them",
          "[cli][connect][socket_mode]") {
  Bridge bridge;
  bridge.enable_socket_mode();
  const std::string url = connect_link_for_alice(bridge, "U0001");
  bridge.wait_socket_mode_ready();
  REQUIRE(browse(url).status == 302);
  const std::string alice_token = connected_token(bridge, "U0001");
  REQUIRE_FALSE(alice_token.empty());
  bridge.link(bob());

  // Alice removed the app's access from her account: Slack kills her token and says so.
  bridge.emulator.with_state(
      [&](emu::State& s) { s.find_token(alice_token)->state = emu::TokenState::revoked; });
  bridge.send_event_acked(
      R"({"type":"tokens_revoked","tokens":{"oauth":["U0001"]},"event_ts":"1700000000.000100"})");
  std::string link;
  const bool email_only = wait_until(
      [&] {
        link = bridge.api->get("/v1/users/p-alice/link?team_id=T0001").body;
        return link.find(R"("connected":false)") != std::string::npos;
      },
      10s, 20ms);
  INFO(link << "\n" << bridge.bot->output_tail());
  REQUIRE(email_only);
  CHECK(json_string(link, "slack_user_id") == "U0001");

  // Her next message comes from the bot, naming her, instead of failing on her dead token.
  REQUIRE(bridge.api
              ->post("/v1/messages",
                     message_body("connect-2", alice(), {user_mention(bob())}, "still there?"))
              .status == 202);
  const std::string state = bridge.wait_final("connect-2");
  INFO(state);
  REQUIRE(json_string(state, "status") == "delivered");
  const auto to_bob = bridge.bot_dm_messages("U0002");
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].text.find("<@U0001>") != std::string::npos);
  CHECK(to_bob[0].text.find("still there?") != std::string::npos);
  CHECK(dm_between(bridge, "U0001", "U0002").empty());
}

TEST_CASE("a connected sender's rotating user token is refreshed before use; the old one dies",
          "[cli][connect][rotation]") {
  Bridge bridge;
  // The app rotates tokens, and hands out user tokens with 10 minutes to live: under the 2 h
  // margin, so the bot must refresh before it posts as alice.
  bridge.emulator.with_state([&](emu::State& s) {
    auto& app = s.apps.at(bridge.demo.app_id);
    app.token_rotation_enabled = true;
    app.rotating_token_lifetime = 600;
  });
  const std::string url = connect_link_for_alice(bridge, "U0001");
  REQUIRE(browse(url).status == 302);
  const std::string first_token = connected_token(bridge, "U0001");
  REQUIRE_THAT(first_token, Catch::StartsWith("xoxe.xoxp-1-"));
  bridge.emulator.with_state([&](emu::State& s) {
    s.apps.at(bridge.demo.app_id).rotating_token_lifetime = emu::kRotatingTokenLifetime;
  });
  bridge.link(bob());

  REQUIRE(bridge.api
              ->post("/v1/messages",
                     message_body("connect-3", alice(), {user_mention(bob())}, "rotated hello"))
              .status == 202);
  const std::string state = bridge.wait_final("connect-3");
  INFO(state << "\n" << bridge.bot->output_tail());
  REQUIRE(json_string(state, "status") == "delivered");

  const auto in_dm = bridge.emulator.messages_in(dm_between(bridge, "U0001", "U0002"));
  REQUIRE(in_dm.size() == 1);
  CHECK(in_dm[0].author_user_id == "U0001");
  CHECK(in_dm[0].token != first_token);
  CHECK(auth_test_error(bridge.emulator, in_dm[0].token).empty());
  CHECK(auth_test_error(bridge.emulator, first_token) == "token_expired");
  std::size_t user_refreshes = 0;
  for (const auto& call : bridge.emulator.calls_of("oauth.v2.access")) {
    const auto grant = call.params.find("grant_type");
    user_refreshes += grant != call.params.end() && grant->second == "refresh_token";
  }
  CHECK(user_refreshes == 1);
}
