// Every status code of the platform API contract (shared/design/platform-api.md), answered by the
// real bridgebot binary over HTTP.
#include <catch2/catch.hpp>
#include <ctime>

#include "bridgebot/api/signature.h"
#include "support/cli_fixture.h"

using namespace bridgebot::test;

namespace {

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// Checks an error answer; `request` is evaluated (sent) once. A macro so failures show the
// caller's line; the body is in the failure message.
#define CHECK_ERROR(request, status_code, code)          \
  do {                                                   \
    const ApiResponse answer_ = (request);               \
    INFO("body: " << answer_.body);                      \
    CHECK(answer_.status == (status_code));              \
    CHECK(json_string(answer_.body, "error") == (code)); \
  } while (false)

}  // namespace

TEST_CASE("messages: 202 queued, then 200 duplicate for the same id", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  const auto body = message_body("msg-dup", alice(), {user_mention(bob())}, "hello");

  const auto first = bridge.api->post("/v1/messages", body);
  INFO(first.body);
  CHECK(first.status == 202);
  CHECK(json_string(first.body, "status") == "queued");
  CHECK(json_string(first.body, "id") == "msg-dup");

  const auto second = bridge.api->post("/v1/messages", body);
  INFO(second.body);
  CHECK(second.status == 200);
  CHECK(json_string(second.body, "status") == "duplicate");
}

TEST_CASE("messages the relay rule does not relay are 200 ignored with the reason", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  struct Case {
    std::string id;
    std::vector<std::string> mentions;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"ign-none", {}, "no_mention"},
      {"ign-all", {user_mention(bob()), group_mention("all")}, "group_mention"},
      {"ign-here", {group_mention("here")}, "group_mention"},
      {"ign-group", {group_mention("group")}, "group_mention"},
      {"ign-two", {user_mention(bob()), user_mention(carol())}, "multiple_recipients"},
      {"ign-self", {user_mention(alice())}, "self_mention"},
  };
  for (const auto& c : cases) {
    const auto response =
        bridge.api->post("/v1/messages", message_body(c.id, alice(), c.mentions, "hi"));
    INFO(c.id << ": " << response.body);
    CHECK(response.status == 200);
    CHECK(json_string(response.body, "status") == "ignored");
    CHECK(json_string(response.body, "reason") == c.reason);
    // The decision is recorded: the platform can read it back.
    const auto state = bridge.api->get("/v1/messages/" + c.id);
    CHECK(json_string(state.body, "status") == "ignored");
  }
}

TEST_CASE("malformed requests are 400 invalid_json or invalid_field naming the field",
          "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();

  CHECK_ERROR(bridge.api->post("/v1/messages", "{\"id\": \"x\", "), 400, "invalid_json");
  CHECK_ERROR(bridge.api->post("/v1/notifications", "not json"), 400, "invalid_json");

  const auto no_id =
      bridge.api->post("/v1/messages", R"({"sender":{"id":"p-alice"},"mentions":[],"text":"hi"})");
  CHECK_ERROR(no_id, 400, "invalid_field");
  CHECK(json_string(no_id.body, "field") == "id");

  const auto text_number = bridge.api->post(
      "/v1/messages", R"({"id":"m-1","sender":{"id":"p-alice"},"mentions":[],"text":42})");
  CHECK_ERROR(text_number, 400, "invalid_field");
  CHECK(json_string(text_number.body, "field") == "text");

  const auto bad_severity = bridge.api->post(
      "/v1/notifications", notification_body("n-1", "helpdesk", "t", "x", "apocalyptic"));
  CHECK_ERROR(bad_severity, 400, "invalid_field");
  CHECK(json_string(bad_severity.body, "field") == "severity");

  // Nothing of a refused request was kept.
  CHECK_ERROR(bridge.api->get("/v1/messages/m-1"), 404, "not_found");
  CHECK_ERROR(bridge.api->get("/v1/notifications/n-1"), 404, "not_found");
}

TEST_CASE("unsigned, wrongly signed and stale requests are 401", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  const auto body = message_body("msg-auth", alice(), {user_mention(bob())}, "hello");

  CHECK_ERROR(bridge.api->send("POST", "/v1/messages", body, {now(), "v1=" + std::string(64, '0')}),
              401, "invalid_signature");
  // Signed with another secret.
  PlatformClient stranger(bridge.bot->base_url(), "not-the-secret");
  CHECK_ERROR(stranger.post("/v1/messages", body), 401, "invalid_signature");
  // A signature of a different body (the request was tampered with on the way).
  const std::int64_t ts = now();
  const std::string tampered = message_body("msg-auth", alice(), {user_mention(carol())}, "hello");
  CHECK_ERROR(bridge.api->send(
                  "POST", "/v1/messages", tampered,
                  {ts, bridgebot::api::sign_v2(kSigningSecret, ts, "POST", "/v1/messages", body)}),
              401, "invalid_signature");
  // Older and newer than the 300 s window, correctly signed for that timestamp. The future one
  // keeps a margin: the bot reads its clock a moment later, so now() + 301 could land on 300.
  CHECK_ERROR(bridge.api->send("POST", "/v1/messages", body, {now() - 301, std::nullopt}), 401,
              "stale_timestamp");
  CHECK_ERROR(bridge.api->send("POST", "/v1/messages", body, {now() + 310, std::nullopt}), 401,
              "stale_timestamp");
  // Every platform endpoint is guarded, reads included.
  const auto unsigned_get =
      bridge.api->send("GET", "/v1/messages/msg-auth", "", {std::nullopt, std::nullopt, true});
  CHECK(unsigned_get.status == 401);
  const auto unsigned_link = bridge.api->send("PUT", "/v1/users/p-bob/link",
                                              R"({"email":"bob@example.com","team_id":"T0001"})",
                                              {std::nullopt, std::nullopt, true});
  CHECK(unsigned_link.status == 401);
  // Health endpoints are open.
  CHECK(bridge.api->get_unsigned("/healthz").status == 200);
  CHECK(bridge.api->get_unsigned("/readyz").status == 200);
}

TEST_CASE("unknown teams and ids are 404", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  CHECK_ERROR(bridge.api->post("/v1/messages",
                               message_body("msg-t", alice(), {user_mention(bob())}, "x", "T9999")),
              404, "unknown_team");
  CHECK_ERROR(bridge.api->get("/v1/messages/never-sent"), 404, "not_found");
  CHECK_ERROR(bridge.api->get("/v1/notifications/never-sent"), 404, "not_found");
}

TEST_CASE("a body over platform.max_body_bytes is 413 body_too_large", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  // The default limit is 256 KiB; a platform sending a huge message text gets a clear refusal.
  const auto body =
      message_body("msg-big", alice(), {user_mention(bob())}, std::string(300 * 1024, 'a'));
  CHECK_ERROR(bridge.api->post("/v1/messages", body), 413, "body_too_large");
  // The bot is still serving afterwards.
  CHECK(bridge.api
            ->post("/v1/messages", message_body("msg-small", alice(), {user_mention(bob())}, "a"))
            .status == 202);
}

TEST_CASE("a notification no route matches is 422 no_route", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  CHECK_ERROR(
      bridge.api->post("/v1/notifications", notification_body("n-lost", "billing", "t", "x")), 422,
      "no_route");
  CHECK_ERROR(bridge.api->get("/v1/notifications/n-lost"), 404, "not_found");
  const auto routed =
      bridge.api->post("/v1/notifications", notification_body("n-ok", "helpdesk", "t", "x"));
  INFO(routed.body);
  CHECK(routed.status == 202);
}

TEST_CASE("linking: 404 slack_user_not_found, 200 linked, 404 not_linked, 204 unlinked",
          "[cli][api][link]") {
  Bridge bridge;
  bridge.start_bot();

  CHECK_ERROR(bridge.api->put("/v1/users/p-zed/link",
                              R"({"email":"zed@nowhere.example","team_id":"T0001"})"),
              404, "slack_user_not_found");
  // dave@example.com is deactivated in Slack: not linkable either.
  CHECK_ERROR(
      bridge.api->put("/v1/users/p-dave/link", R"({"email":"dave@example.com","team_id":"T0001"})"),
      404, "slack_user_not_found");

  CHECK_ERROR(bridge.api->get("/v1/users/p-bob/link"), 404, "not_linked");
  // Case and surrounding spaces of the email do not matter.
  const auto linked = bridge.api->put("/v1/users/p-bob/link",
                                      R"({"email":"  Bob@Example.com ","team_id":"T0001"})");
  INFO(linked.body);
  REQUIRE(linked.status == 200);
  CHECK(json_string(linked.body, "slack_user_id") == "U0002");
  CHECK(json_string(linked.body, "team_id") == "T0001");

  const auto shown = bridge.api->get("/v1/users/p-bob/link");
  INFO(shown.body);
  CHECK(shown.status == 200);
  CHECK(json_string(shown.body, "slack_user_id") == "U0002");

  const auto removed = bridge.api->del("/v1/users/p-bob/link");
  INFO(removed.body);
  CHECK(removed.status == 204);
  CHECK_ERROR(bridge.api->get("/v1/users/p-bob/link"), 404, "not_linked");
  CHECK_ERROR(bridge.api->del("/v1/users/p-bob/link"), 404, "not_linked");
}

TEST_CASE("with two workspaces installed, a request without team_id is 400 team_id_required",
          "[cli][api]") {
  Bridge bridge;
  // A second workspace in the emulated Slack. The config installs one bot token per run, and
  // installations are kept in the store: running the bot once with each token installs both.
  bridge.emulator.with_state([](bridgebot::emulator::State& state) {
    namespace emu = bridgebot::emulator;
    state.add(emu::Workspace{"T0002", "globex", "globex"});
    emu::User bot;
    bot.id = "U0BOT2";
    bot.team_id = "T0002";
    bot.name = "bridgebot";
    bot.is_bot = true;
    bot.bot_id = "B0002";
    state.add(bot);
    state.add(emu::Token{"xoxb-test-globex-bot",
                         "T0002",
                         emu::TokenKind::bot,
                         {"users:read", "users:read.email", "chat:write", "im:write"},
                         "U0BOT2",
                         "A0001"});
    return 0;
  });
  bridge.settings.bot_token = "xoxb-test-globex-bot";
  bridge.settings.workspace_domain = "globex";
  bridge.start_bot();
  const auto first_stop = bridge.stop_bot();
  REQUIRE(first_stop.exited);
  REQUIRE(first_stop.code == 0);
  bridge.settings.bot_token = bridge.demo.bot_token;
  bridge.settings.workspace_domain = "acme";
  bridge.start_bot();

  const auto message = bridge.api->post(
      "/v1/messages", message_body("msg-noteam", alice(), {user_mention(bob())}, "hi", ""));
  CHECK_ERROR(message, 400, "team_id_required");
  CHECK(json_string(message.body, "field") == "team_id");
  const auto notification = bridge.api->post(
      "/v1/notifications", R"({"id":"n-noteam","route":"helpdesk","title":"t","text":"x"})");
  CHECK_ERROR(notification, 400, "team_id_required");

  // Naming either workspace works.
  CHECK(bridge.api
            ->post("/v1/messages",
                   message_body("msg-acme", alice(), {user_mention(bob())}, "hi", "T0001"))
            .status == 202);
  CHECK(bridge.api
            ->post("/v1/messages",
                   message_body("msg-globex", alice(), {user_mention(bob())}, "hi", "T0002"))
            .status == 202);
}

TEST_CASE("with one workspace installed, team_id may be left out", "[cli][api]") {
  Bridge bridge;
  bridge.start_bot();
  const auto response = bridge.api->post(
      "/v1/messages", message_body("msg-implicit", alice(), {user_mention(bob())}, "hi", ""));
  INFO(response.body);
  CHECK(response.status == 202);
}
