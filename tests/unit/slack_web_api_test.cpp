// Request shapes and answer parsing of every WebApi call, against a scripted HttpClient.
#include <catch2/catch.hpp>

#include "bridgebot/slack/errors.h"
#include "unit/slack_fake_http.h"

using namespace slack_test;
using bridgebot::slack::OAuthClient;
using bridgebot::slack::OAuthGrant;
using bridgebot::slack::PostMessageRequest;
using bridgebot::slack::TeamToken;
using bridgebot::slack::UpdateMessageRequest;

namespace {

const TeamToken kBot{"T1", "xoxb-secret-token"};
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kJson = "application/json; charset=utf-8";

const char* kUserJson = R"({"id":"U1","team_id":"T1","name":"ada","deleted":false,
  "is_bot":false,"profile":{"real_name":"Ada Lovelace","display_name":"ada",
  "email":"ada@example.com","image_72":"https://img/72.png"}})";

}  // namespace

TEST_CASE("auth.test sends the token as a Bearer header and reads the granted scopes",
          "[slack][web_api]") {
  Harness h;
  h.http.answer(200,
                R"({"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"bridgebot",
                    "team_id":"T1","user_id":"UB","bot_id":"B1","enterprise_id":"E1",
                    "is_enterprise_install":true})",
                {{"x-oauth-scopes", "chat:write, users:read,users:read.email"}});

  auto result = h.api.auth_test(kBot);

  REQUIRE(result.ok());
  CHECK(result->url == "https://acme.slack.com/");
  CHECK(result->team == "Acme");
  CHECK(result->team_id == "T1");
  CHECK(result->user == "bridgebot");
  CHECK(result->user_id == "UB");
  CHECK(result->bot_id == "B1");
  CHECK(result->enterprise_id == "E1");
  CHECK(result->is_enterprise_install);
  CHECK(result->scopes == std::vector<std::string>{"chat:write", "users:read", "users:read.email"});
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.method == "POST");
  CHECK(sent[0].request.url == "https://slack.test/api/auth.test");
  CHECK(sent[0].request.headers.get("Authorization") == "Bearer xoxb-secret-token");
  CHECK(sent[0].request.headers.get("Content-Type") == kForm);
  CHECK(sent[0].request.body.find("token") == std::string::npos);
}

TEST_CASE("users.lookupByEmail form-encodes the email and parses the user", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(std::string(R"({"ok":true,"user":)") + kUserJson + "}");

  auto user = h.api.users_lookup_by_email(kBot, "ada+x@example.com");

  REQUIRE(user.ok());
  CHECK(user->id == "U1");
  CHECK(user->email == "ada@example.com");
  CHECK(user->real_name == "Ada Lovelace");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/users.lookupByEmail");
  CHECK(sent[0].request.headers.get("Content-Type") == kForm);
  CHECK(form_fields(sent[0].request.body) ==
        std::map<std::string, std::string>{{"email", "ada+x@example.com"}});
}

TEST_CASE("users.lookupByEmail reports users_not_found as a permanent error", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":false,"error":"users_not_found"})");

  auto user = h.api.users_lookup_by_email(kBot, "gone@example.com");

  REQUIRE_FALSE(user.ok());
  CHECK(user.error().code == "users_not_found");
  CHECK_FALSE(user.error().transient);
  CHECK(h.http.count() == 1);
}

TEST_CASE("users.info sends the user id", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(std::string(R"({"ok":true,"user":)") + kUserJson + "}");

  auto user = h.api.users_info(kBot, "U1");

  REQUIRE(user.ok());
  CHECK(user->display_name == "ada");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/users.info");
  CHECK(form_fields(sent[0].request.body) == std::map<std::string, std::string>{{"user", "U1"}});
}

TEST_CASE("users.list sends limit and cursor and returns the next cursor", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(std::string(R"({"ok":true,"members":[)") + kUserJson +
                   R"(,{"id":"USLACKBOT","is_bot":false}],
                       "response_metadata":{"next_cursor":"dXNlcjpVMEc5V0ZYTlo="}})");

  auto page = h.api.users_list(kBot, "abc=", 200);

  REQUIRE(page.ok());
  REQUIRE(page->members.size() == 2);
  CHECK(page->members[1].is_slackbot());
  CHECK(page->next_cursor == "dXNlcjpVMEc5V0ZYTlo=");
  auto fields = form_fields(h.http.sent()[0].request.body);
  CHECK(fields["limit"] == "200");
  CHECK(fields["cursor"] == "abc=");
}

TEST_CASE("users.list leaves the cursor out of the first page and clamps the limit",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"members":[]})");

  auto page = h.api.users_list(kBot, "", 5000);

  REQUIRE(page.ok());
  CHECK(page->next_cursor.empty());
  auto fields = form_fields(h.http.sent()[0].request.body);
  CHECK(fields.count("cursor") == 0);
  CHECK(fields["limit"] == "1000");
}

TEST_CASE("users_list_all walks every page until the cursor is empty, not until a short page",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"members":[{"id":"U1"}],
                       "response_metadata":{"next_cursor":"c1"}})");
  h.http.answer_ok(R"({"ok":true,"members":[{"id":"U2"},{"id":"U3"}],
                       "response_metadata":{"next_cursor":"c2"}})");
  h.http.answer_ok(R"({"ok":true,"members":[],"response_metadata":{"next_cursor":""}})");

  auto users = bridgebot::slack::users_list_all(h.api, kBot, 2);

  REQUIRE(users.ok());
  REQUIRE(users->size() == 3);
  CHECK((*users)[2].id == "U3");
  auto sent = h.http.sent();
  REQUIRE(sent.size() == 3);
  CHECK(form_fields(sent[1].request.body)["cursor"] == "c1");
  CHECK(form_fields(sent[2].request.body)["cursor"] == "c2");
}

TEST_CASE("users_list_all stops when Slack repeats a cursor", "[slack][web_api]") {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.http.answer_ok(R"({"ok":true,"members":[{"id":"U1"}],
                         "response_metadata":{"next_cursor":"same"}})");
  }

  auto users = bridgebot::slack::users_list_all(h.api, kBot);

  REQUIRE_FALSE(users.ok());
  CHECK(users.error().code == "invalid_response");
  CHECK(h.http.count() == 2);
}

TEST_CASE("chat.postMessage sends JSON with blocks embedded and never link_names or parse",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":"D42","ts":"1700000000.000100"})");
  PostMessageRequest m;
  m.channel = "U7";
  m.text = "hello & <!channel>";
  m.blocks_json = R"([{"type":"section","text":{"type":"mrkdwn","text":"hi"}}])";
  m.thread_ts = "1699999999.000001";
  m.username = "Ada";
  m.icon_url = "https://img/a.png";
  m.unfurl_links = false;
  m.unfurl_media = true;

  auto posted = h.api.chat_post_message(kBot, m);

  REQUIRE(posted.ok());
  CHECK(posted->channel == "D42");
  CHECK(posted->ts == "1700000000.000100");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/chat.postMessage");
  CHECK(sent[0].request.headers.get("Content-Type") == kJson);
  CHECK(sent[0].request.headers.get("Authorization") == "Bearer xoxb-secret-token");
  auto body = json_of(sent[0].request.body);
  REQUIRE(body.IsObject());
  CHECK(std::string(body["channel"].GetString()) == "U7");
  CHECK(std::string(body["text"].GetString()) == "hello & <!channel>");
  REQUIRE(body["blocks"].IsArray());
  CHECK(std::string(body["blocks"][0]["type"].GetString()) == "section");
  CHECK(std::string(body["thread_ts"].GetString()) == "1699999999.000001");
  CHECK(std::string(body["username"].GetString()) == "Ada");
  CHECK(std::string(body["icon_url"].GetString()) == "https://img/a.png");
  CHECK(body["unfurl_links"].GetBool() == false);
  CHECK(body["unfurl_media"].GetBool() == true);
  CHECK_FALSE(body.HasMember("link_names"));
  CHECK_FALSE(body.HasMember("parse"));
}

TEST_CASE("chat.postMessage sends the blocks as written and reads channel and ts from the echo",
          "[slack][web_api]") {
  Harness h;
  // Slack answers with the message it posted, blocks and all, and may add warnings.
  h.http.answer_ok(
      R"({"ok":true,"channel":"D42","ts":"1700000000.000100","message":{"type":"message",)"
      R"("text":"x","ts":"1700000000.000100","blocks":[{"type":"section","block_id":"b1",)"
      R"("text":{"type":"mrkdwn","text":"hi","verbatim":false}}]},"warning":"missing_charset",)"
      R"("response_metadata":{"warnings":["missing_charset"]}})");
  const std::string blocks = R"([ {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}} ])";

  auto posted =
      h.api.chat_post_message(kBot, {.channel = "U7", .text = "x", .blocks_json = blocks});

  REQUIRE(posted.ok());
  CHECK(posted->channel == "D42");
  CHECK(posted->ts == "1700000000.000100");
  const std::string body = h.http.sent()[0].request.body;
  CHECK(body.find(R"("blocks":)" + blocks) != std::string::npos);
  CHECK(json_of(body)["blocks"][0]["text"]["text"] == "hi");
}

TEST_CASE("chat.postMessage refuses an answer malformed after its channel and ts",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":"D42","ts":"1.2","message":{"type":"message",)");

  auto posted = h.api.chat_post_message(kBot, {.channel = "U7", .text = "x"});

  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "invalid_response");
}

TEST_CASE("chat.postMessage reads the top-level channel and ts, not the echoed message's",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(
      R"({"message":{"channel":"C9","ts":"9.9"},"ok":true,"ts":"1.2","channel":"D42"})");

  auto posted = h.api.chat_post_message(kBot, {.channel = "U7", .text = "x"});

  REQUIRE(posted.ok());
  CHECK(posted->channel == "D42");
  CHECK(posted->ts == "1.2");
}

TEST_CASE("chat.postMessage sends blocks its caller wrote as they are, unchecked",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":"D42","ts":"1.2"})");
  const std::string blocks = R"([{"type":"section","text":{"type":"mrkdwn","text":"hi"}}])";

  auto posted = h.api.chat_post_message(
      kBot, {.channel = "U7", .text = "x", .blocks_json = blocks, .blocks_written_by_us = true});

  REQUIRE(posted.ok());
  CHECK(h.http.sent()[0].request.body.find(R"("blocks":)" + blocks) != std::string::npos);
}

TEST_CASE("chat.postMessage omits unset optional fields", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":"C1","ts":"1.2"})");

  auto posted = h.api.chat_post_message(kBot, {.channel = "C1", .text = "plain"});

  REQUIRE(posted.ok());
  auto body = json_of(h.http.sent()[0].request.body);
  for (const char* key : {"blocks", "thread_ts", "username", "icon_url", "unfurl_links",
                          "unfurl_media", "link_names", "parse"}) {
    INFO(key);
    CHECK_FALSE(body.HasMember(key));
  }
}

TEST_CASE("chat.postMessage refuses malformed blocks without sending", "[slack][web_api]") {
  Harness h;

  auto posted =
      h.api.chat_post_message(kBot, {.channel = "C1", .text = "x", .blocks_json = "[{oops"});

  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "invalid_blocks");
  CHECK(posted.error().field == "blocks");
  CHECK(h.http.count() == 0);
}

TEST_CASE("chat.postMessage maps channel_not_found to an actionable permanent error",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":false,"error":"channel_not_found"})");

  auto posted = h.api.chat_post_message(kBot, {.channel = "C404", .text = "x"});

  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "channel_not_found");
  CHECK_FALSE(posted.error().transient);
  CHECK(posted.error().message.find("invite") != std::string::npos);
}

TEST_CASE("chat.update sends channel, ts, text and blocks as JSON", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":"C1","ts":"1.2","text":"new"})");
  UpdateMessageRequest m{"C1", "1.2", "new", R"([{"type":"divider"}])"};

  auto updated = h.api.chat_update(kBot, m);

  REQUIRE(updated.ok());
  CHECK(updated->ts == "1.2");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/chat.update");
  CHECK(sent[0].request.headers.get("Content-Type") == kJson);
  auto body = json_of(sent[0].request.body);
  CHECK(std::string(body["channel"].GetString()) == "C1");
  CHECK(std::string(body["ts"].GetString()) == "1.2");
  CHECK(std::string(body["text"].GetString()) == "new");
  CHECK(std::string(body["blocks"][0]["type"].GetString()) == "divider");
}

TEST_CASE("conversations.open returns the DM channel id", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"channel":{"id":"D99"}})");

  auto channel = h.api.conversations_open(kBot, "U7");

  REQUIRE(channel.ok());
  CHECK(*channel == "D99");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/conversations.open");
  CHECK(form_fields(sent[0].request.body)["users"] == "U7");
}

TEST_CASE("views.publish embeds the view object in a JSON body", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"view":{"id":"V1"}})");

  auto status = h.api.views_publish(kBot, "U7", R"({"type":"home","blocks":[]})");

  REQUIRE(status.ok());
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/views.publish");
  CHECK(sent[0].request.headers.get("Content-Type") == kJson);
  auto body = json_of(sent[0].request.body);
  CHECK(std::string(body["user_id"].GetString()) == "U7");
  CHECK(std::string(body["view"]["type"].GetString()) == "home");
}

TEST_CASE("views.publish refuses a view that is not a JSON object", "[slack][web_api]") {
  Harness h;

  auto status = h.api.views_publish(kBot, "U7", R"([1,2])");

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == "invalid_view");
  CHECK(h.http.count() == 0);
}

TEST_CASE("auth.revoke succeeds on ok and reports errors", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"revoked":true})");
  h.http.answer_ok(R"({"ok":false,"error":"invalid_auth"})");

  CHECK(h.api.auth_revoke(kBot).ok());
  auto again = h.api.auth_revoke(kBot);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == "invalid_auth");
  CHECK(h.http.sent()[0].request.url == "https://slack.test/api/auth.revoke");
}

TEST_CASE("oauth.v2.access exchanges a code with the client credentials in HTTP Basic",
          "[slack][web_api][oauth]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"access_token":"xoxe.xoxb-1-new","token_type":"bot",
      "scope":"chat:write,users:read","bot_user_id":"UB","app_id":"A1",
      "team":{"id":"T1","name":"Acme"},"enterprise":{"id":"E1","name":"Grid"},
      "is_enterprise_install":false,"refresh_token":"xoxe-1-refresh","expires_in":43200,
      "authed_user":{"id":"U1","scope":"chat:write","access_token":"xoxp-user",
                     "token_type":"user","refresh_token":"xoxe-1-user","expires_in":43200},
      "incoming_webhook":{"channel":"#alerts","channel_id":"C9",
                          "configuration_url":"https://acme.slack.com/services/B1",
                          "url":"https://hooks.slack.com/services/T1/B1/xyz"}})");

  auto access = h.api.oauth_v2_access({"123.456", "s3cret"},
                                      OAuthGrant::authorization_code("code-1", "https://b/cb"));

  REQUIRE(access.ok());
  CHECK(access->access_token == "xoxe.xoxb-1-new");
  CHECK(access->token_type == "bot");
  CHECK(access->scope == "chat:write,users:read");
  CHECK(access->bot_user_id == "UB");
  CHECK(access->app_id == "A1");
  CHECK(access->team.id == "T1");
  CHECK(access->team.name == "Acme");
  CHECK(access->enterprise_id == "E1");
  CHECK(access->refresh_token == "xoxe-1-refresh");
  CHECK(access->expires_in == 43200);
  CHECK(access->authed_user.id == "U1");
  CHECK(access->authed_user.access_token == "xoxp-user");
  CHECK(access->authed_user.refresh_token == "xoxe-1-user");
  CHECK(access->authed_user.expires_in == 43200);
  REQUIRE(access->incoming_webhook.has_value());
  CHECK(access->incoming_webhook->channel_id == "C9");
  CHECK(access->incoming_webhook->url == "https://hooks.slack.com/services/T1/B1/xyz");

  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/oauth.v2.access");
  CHECK(sent[0].request.headers.get("Content-Type") == kForm);
  // base64("123.456:s3cret")
  CHECK(sent[0].request.headers.get("Authorization") == "Basic MTIzLjQ1NjpzM2NyZXQ=");
  auto fields = form_fields(sent[0].request.body);
  CHECK(fields["code"] == "code-1");
  CHECK(fields["redirect_uri"] == "https://b/cb");
  CHECK(fields.count("client_secret") == 0);
}

TEST_CASE("oauth.v2.access rotates with a refresh_token grant", "[slack][web_api][oauth]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"access_token":"xoxe.xoxb-1-b","token_type":"bot",
      "refresh_token":"xoxe-1-next","expires_in":43200,"team":{"id":"T1","name":"Acme"},
      "enterprise":null})");

  auto access = h.api.oauth_v2_access({"id", "secret"}, OAuthGrant::refresh("xoxe-1-old"));

  REQUIRE(access.ok());
  CHECK(access->refresh_token == "xoxe-1-next");
  CHECK(access->enterprise_id.empty());
  CHECK_FALSE(access->incoming_webhook.has_value());
  auto fields = form_fields(h.http.sent()[0].request.body);
  CHECK(fields["grant_type"] == "refresh_token");
  CHECK(fields["refresh_token"] == "xoxe-1-old");
  CHECK(fields.count("code") == 0);
}

TEST_CASE("oauth.v2.access reports invalid_refresh_token without the token in the message",
          "[slack][web_api][oauth]") {
  Harness h;
  h.http.answer_ok(R"({"ok":false,"error":"invalid_refresh_token"})");

  auto access = h.api.oauth_v2_access({"id", "secret"}, OAuthGrant::refresh("xoxe-1-old"));

  REQUIRE_FALSE(access.ok());
  CHECK(access.error().code == "invalid_refresh_token");
  CHECK_FALSE(access.error().transient);
  CHECK(access.error().to_string().find("xoxe-1-old") == std::string::npos);
  CHECK(access.error().to_string().find("secret") == std::string::npos);
}

TEST_CASE("apps.connections.open sends the app token as Bearer and returns the wss URL",
          "[slack][web_api][socket_mode]") {
  Harness h;
  h.http.answer_ok(R"({"ok":true,"url":"wss://wss.slack.test/link/?ticket=t&app_id=A1"})");

  auto url = h.api.apps_connections_open("xapp-1-app");

  REQUIRE(url.ok());
  CHECK(*url == "wss://wss.slack.test/link/?ticket=t&app_id=A1");
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://slack.test/api/apps.connections.open");
  CHECK(sent[0].request.headers.get("Authorization") == "Bearer xapp-1-app");
  CHECK(sent[0].request.body.empty());
}

TEST_CASE("a non-JSON answer is invalid_response, never a crash", "[slack][web_api]") {
  Harness h;
  h.http.answer(200, "<html>proxy login</html>");

  auto post = h.api.chat_post_message(kBot, {.channel = "C1", .text = "x"});

  REQUIRE_FALSE(post.ok());
  CHECK(post.error().code == "invalid_response");
  CHECK(h.http.count() == 1);
}

TEST_CASE("missing_scope names the needed and granted scopes", "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(
      R"({"ok":false,"error":"missing_scope","needed":"users:read.email","provided":"chat:write"})");

  auto user = h.api.users_lookup_by_email(kBot, "a@b.c");

  REQUIRE_FALSE(user.ok());
  CHECK(user.error().code == "missing_scope");
  CHECK(user.error().message.find("users:read.email") != std::string::npos);
  CHECK(user.error().message.find("chat:write") != std::string::npos);
  CHECK(user.error().message.find("reinstall") != std::string::npos);
}

TEST_CASE("a chat.postMessage refused for a scope names the needed and granted scopes",
          "[slack][web_api]") {
  Harness h;
  h.http.answer_ok(
      R"({"ok":false,"error":"missing_scope","needed":"chat:write","provided":"users:read"})");

  auto posted = h.api.chat_post_message(kBot, {.channel = "U7", .text = "x"});

  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "missing_scope");
  CHECK(posted.error().message.find("chat:write") != std::string::npos);
  CHECK(posted.error().message.find("users:read") != std::string::npos);
}

TEST_CASE("incoming webhook posts the JSON body to the URL with no Authorization header",
          "[slack][webhook]") {
  Harness h;
  h.http.answer(200, "ok");

  auto status = h.api.post_incoming_webhook("T1", "https://hooks.slack.test/services/T1/B1/xyz",
                                            R"({"text":"hi"})");

  REQUIRE(status.ok());
  auto sent = h.http.sent();
  CHECK(sent[0].request.url == "https://hooks.slack.test/services/T1/B1/xyz");
  CHECK(sent[0].request.headers.get("Content-Type") == kJson);
  CHECK_FALSE(sent[0].request.headers.has("Authorization"));
  CHECK(sent[0].request.body == R"({"text":"hi"})");
}

TEST_CASE("incoming webhook 410 channel_is_archived marks the webhook dead", "[slack][webhook]") {
  Harness h;
  h.http.answer(410, "channel_is_archived");

  auto status =
      h.api.post_incoming_webhook("T1", "https://hooks.slack.test/services/T1/B1/xyz", "{}");

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == "channel_is_archived");
  CHECK(bridgebot::slack::is_dead_webhook(status.error()));
  CHECK(status.error().to_string().find("xyz") == std::string::npos);
}
