// The emulator's Web API methods through Emulator::handle(): answers and state changes.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"

namespace emu = bridgebot::emulator;
using bridgebot::core::FakeClock;

namespace {

struct Reply {
  bridgebot::net::HttpResponse http;
  rapidjson::Document json;

  bool ok() const { return json.IsObject() && json["ok"].GetBool(); }
  std::string str(const char* key) const {
    auto it = json.FindMember(key);
    return it != json.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  }
  std::string error() const { return str("error"); }
};

struct Slack {
  FakeClock clock{1'732'183'200};
  emu::Emulator emulator{clock};
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);

  Reply call(const std::string& method, const std::string& token,
             const emu::FormFields& fields = {}) {
    auto http = emulator.handle(emu::web_api_form_request(method, token, fields));
    auto json = emu::parse_body(http);
    return {std::move(http), std::move(json)};
  }
  Reply bot(const std::string& method, const emu::FormFields& fields = {}) {
    return call(method, demo.bot_token, fields);
  }
  void add_token(const std::string& value, emu::TokenKind kind, std::vector<std::string> scopes,
                 std::string user_id, emu::TokenState state = emu::TokenState::valid) {
    emulator.with_state([&](emu::State& s) {
      s.add(emu::Token{value, demo.team_id, kind, std::move(scopes), std::move(user_id),
                       demo.app_id, state});
    });
  }
};

}  // namespace

TEST_CASE("auth.test describes the bot token's workspace and bot", "[emulator][auth]") {
  Slack slack;
  Reply r = slack.bot("auth.test");
  CHECK(r.http.status == 200);
  REQUIRE(r.ok());
  CHECK(r.str("url") == "https://acme.slack.com/");
  CHECK(r.str("team") == "acme");
  CHECK(r.str("team_id") == "T0001");
  CHECK(r.str("user") == "bridgebot");
  CHECK(r.str("user_id") == "U0BOT");
  CHECK(r.str("bot_id") == "B0001");
  CHECK(r.http.headers.get("x-oauth-scopes") ==
        "users:read,users:read.email,chat:write,chat:write.customize,im:write");
  CHECK(r.http.headers.has("x-accepted-oauth-scopes"));
}

TEST_CASE("auth.test with a user token names the user and no bot", "[emulator][auth]") {
  Slack slack;
  Reply r = slack.call("auth.test", slack.demo.user_token);
  REQUIRE(r.ok());
  CHECK(r.str("user_id") == "U0001");
  CHECK(r.str("user") == "alice");
  CHECK_FALSE(r.json.HasMember("bot_id"));
}

TEST_CASE("unusable tokens get Slack's auth errors with HTTP 200", "[emulator][auth]") {
  Slack slack;
  slack.add_token("xoxb-test-expired", emu::TokenKind::bot, {"chat:write"}, "U0BOT",
                  emu::TokenState::expired);
  slack.add_token("xoxb-test-revoked", emu::TokenKind::bot, {"chat:write"}, "U0BOT",
                  emu::TokenState::revoked);
  auto [token, expected] = GENERATE(table<std::string, std::string>({
      {"", "not_authed"},
      {"xoxb-test-unknown", "invalid_auth"},
      {"xoxb-test-expired", "token_expired"},
      {"xoxb-test-revoked", "token_revoked"},
  }));
  INFO(token);
  Reply r = slack.call("auth.test", token);
  CHECK(r.http.status == 200);
  CHECK_FALSE(r.ok());
  CHECK(r.error() == expected);
}

TEST_CASE("a token may come as a form field instead of a header", "[emulator][auth]") {
  Slack slack;
  Reply r = slack.call("auth.test", "", {{"token", slack.demo.bot_token}});
  REQUIRE(r.ok());
  CHECK(r.str("user_id") == "U0BOT");
}

TEST_CASE("auth.revoke kills the token for later calls", "[emulator][auth]") {
  Slack slack;
  Reply dry = slack.bot("auth.revoke", {{"test", "true"}});
  REQUIRE(dry.ok());
  CHECK_FALSE(dry.json["revoked"].GetBool());
  CHECK(slack.bot("auth.test").ok());

  Reply revoke = slack.bot("auth.revoke");
  REQUIRE(revoke.ok());
  CHECK(revoke.json["revoked"].GetBool());
  CHECK(slack.bot("auth.test").error() == "token_revoked");
}

TEST_CASE("apps.connections.open hands app tokens a fresh Socket Mode URL", "[emulator][apps]") {
  Slack slack;
  slack.emulator.set_socket_mode_url("ws://127.0.0.1:9/link/");
  Reply first = slack.call("apps.connections.open", slack.demo.app_token);
  Reply second = slack.call("apps.connections.open", slack.demo.app_token);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first.str("url") != second.str("url"));

  auto tickets = slack.emulator.issued_tickets();
  REQUIRE(tickets.size() == 2);
  CHECK(first.str("url") == "ws://127.0.0.1:9/link/?ticket=" + tickets[0].ticket + "&app_id=A0001");
  CHECK(tickets[0].app_id == "A0001");
  CHECK_FALSE(tickets[0].used);
}

TEST_CASE("app tokens and other tokens are refused where they do not belong", "[emulator][apps]") {
  Slack slack;
  CHECK(slack.bot("apps.connections.open").error() == "not_allowed_token_type");
  CHECK(slack.call("users.list", slack.demo.app_token).error() == "not_allowed_token_type");
  CHECK(slack.emulator.issued_tickets().empty());
}

TEST_CASE("users.lookupByEmail finds active users only", "[emulator][users]") {
  Slack slack;
  Reply alice = slack.bot("users.lookupByEmail", {{"email", "alice@example.com"}});
  REQUIRE(alice.ok());
  CHECK(std::string(alice.json["user"]["id"].GetString()) == "U0001");
  CHECK(std::string(alice.json["user"]["profile"]["email"].GetString()) == "alice@example.com");

  CHECK(slack.bot("users.lookupByEmail", {{"email", "nobody@example.com"}}).error() ==
        "users_not_found");
  CHECK(slack.bot("users.lookupByEmail", {{"email", "dave@example.com"}}).error() ==
        "users_not_found");
}

TEST_CASE("users.lookupByEmail case sensitivity follows the chosen behaviour",
          "[emulator][users]") {
  Slack slack;
  CHECK(slack.bot("users.lookupByEmail", {{"email", "Alice@Example.com"}}).error() ==
        "users_not_found");
  slack.emulator.set_behaviour({.email_lookup_ignores_case = true});
  CHECK(slack.bot("users.lookupByEmail", {{"email", "Alice@Example.com"}}).ok());
}

TEST_CASE("missing_scope names the needed scope and the granted ones", "[emulator][scopes]") {
  Slack slack;
  slack.add_token("xoxb-test-narrow", emu::TokenKind::bot, {"users:read", "chat:write"}, "U0BOT");
  Reply r = slack.call("users.lookupByEmail", "xoxb-test-narrow", {{"email", "alice@example.com"}});
  CHECK(r.http.status == 200);
  CHECK(r.error() == "missing_scope");
  CHECK(r.str("needed") == "users:read.email");
  CHECK(r.str("provided") == "users:read,chat:write");
  CHECK(r.http.headers.get("x-oauth-scopes") == "users:read,chat:write");
  CHECK(r.http.headers.get("x-accepted-oauth-scopes") == "users:read.email");
}

TEST_CASE("users.list pages with cursors through every member like Slack", "[emulator][users]") {
  Slack slack;
  std::vector<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    Reply page = slack.bot("users.list", {{"limit", "2"}, {"cursor", cursor}});
    REQUIRE(page.ok());
    ++pages;
    for (const auto& member : page.json["members"].GetArray()) {
      ids.push_back(member["id"].GetString());
    }
    CHECK(page.json["members"].Size() <= 2);
    cursor = page.json["response_metadata"]["next_cursor"].GetString();
    REQUIRE(pages < 10);
  } while (!cursor.empty());

  // alice, bob, carol, deleted dave, the bot, and Slackbot.
  CHECK(ids == std::vector<std::string>{"U0001", "U0002", "U0003", "U0004", "U0BOT", "USLACKBOT"});
  CHECK(pages == 3);
}

TEST_CASE("users.list reports deleted users, bots and Slackbot's flags", "[emulator][users]") {
  Slack slack;
  Reply all = slack.bot("users.list");
  REQUIRE(all.ok());
  CHECK(std::string(all.json["response_metadata"]["next_cursor"].GetString()).empty());
  std::map<std::string, const rapidjson::Value*> by_id;
  for (const auto& member : all.json["members"].GetArray())
    by_id[member["id"].GetString()] = &member;
  CHECK((*by_id.at("U0004"))["deleted"].GetBool());
  CHECK((*by_id.at("U0BOT"))["is_bot"].GetBool());
  CHECK_FALSE((*by_id.at("USLACKBOT"))["is_bot"].GetBool());
}

TEST_CASE("users.list shows emails only to tokens with users:read.email", "[emulator][users]") {
  Slack slack;
  slack.add_token("xoxb-test-no-email", emu::TokenKind::bot, {"users:read"}, "U0BOT");
  Reply r = slack.call("users.list", "xoxb-test-no-email", {{"limit", "1"}});
  REQUIRE(r.ok());
  CHECK_FALSE(r.json["members"][0]["profile"].HasMember("email"));
  CHECK(slack.bot("users.list", {{"limit", "1"}}).json["members"][0]["profile"].HasMember("email"));
}

TEST_CASE("users.list refuses a cursor it did not issue", "[emulator][users]") {
  Slack slack;
  CHECK(slack.bot("users.list", {{"cursor", "not base64!"}}).error() == "invalid_cursor");
}

TEST_CASE("users.info finds users of the token's team", "[emulator][users]") {
  Slack slack;
  Reply bob = slack.bot("users.info", {{"user", "U0002"}});
  REQUIRE(bob.ok());
  CHECK(std::string(bob.json["user"]["name"].GetString()) == "bob");
  CHECK(slack.bot("users.info", {{"user", "USLACKBOT"}}).ok());
  CHECK(slack.bot("users.info", {{"user", "U9999"}}).error() == "user_not_found");
}

TEST_CASE("chat.postMessage posts to a channel the bot is in", "[emulator][chat]") {
  Slack slack;
  Reply r = slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", "Ticket #7 created"}});
  REQUIRE(r.ok());
  CHECK(r.str("channel") == "C0002");
  CHECK(std::regex_match(r.str("ts"), std::regex(R"(1732183200\.\d{6})")));
  auto messages = slack.emulator.messages_in("C0002");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "Ticket #7 created");
  CHECK(messages[0].ts == r.str("ts"));
  CHECK(messages[0].token == slack.demo.bot_token);
  CHECK(messages[0].author_user_id == "U0BOT");
}

TEST_CASE("chat.postMessage ts values are unique and increasing", "[emulator][chat]") {
  Slack slack;
  std::string previous;
  for (int i = 0; i < 5; ++i) {
    Reply r = slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", "x"}});
    REQUIRE(r.ok());
    CHECK(r.str("ts") > previous);
    previous = r.str("ts");
  }
  CHECK(previous == "1732183200.000500");
}

TEST_CASE("chat.postMessage answers Slack's errors", "[emulator][chat]") {
  Slack slack;
  auto [channel, text, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"C0001", "hi", "not_in_channel"},
      {"C0003", "hi", "is_archived"},
      {"C9999", "hi", "channel_not_found"},
      {"", "hi", "channel_not_found"},
      {"U0004", "hi", "channel_not_found"},  // a deactivated user has no DM to post in
      {"C0002", "", "no_text"},
  }));
  INFO(channel << " " << text);
  CHECK(slack.bot("chat.postMessage", {{"channel", channel}, {"text", text}}).error() == expected);
  CHECK(slack.emulator.messages().empty());
}

TEST_CASE("chat.postMessage refuses text over 40,000 characters", "[emulator][chat]") {
  Slack slack;
  std::string longest(40'000, 'a');
  CHECK(slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", longest}}).ok());
  CHECK(slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", longest + "a"}}).error() ==
        "msg_too_long");
}

TEST_CASE("chat.postMessage needs chat:write", "[emulator][chat][scopes]") {
  Slack slack;
  slack.add_token("xoxb-test-readonly", emu::TokenKind::bot, {"users:read"}, "U0BOT");
  Reply r =
      slack.call("chat.postMessage", "xoxb-test-readonly", {{"channel", "C0002"}, {"text", "x"}});
  CHECK(r.error() == "missing_scope");
  CHECK(r.str("needed") == "chat:write");
}

TEST_CASE("username and icon_url count only with chat:write.customize", "[emulator][chat]") {
  Slack slack;
  slack.add_token("xoxb-test-plain", emu::TokenKind::bot, {"chat:write"}, "U0BOT");
  emu::FormFields fields{{"channel", "C0002"},
                         {"text", "x"},
                         {"username", "Alice (platform)"},
                         {"icon_url", "https://example.com/a.png"}};
  REQUIRE(slack.bot("chat.postMessage", fields).ok());
  REQUIRE(slack.call("chat.postMessage", "xoxb-test-plain", fields).ok());
  auto messages = slack.emulator.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].username == "Alice (platform)");
  CHECK(messages[0].icon_url == "https://example.com/a.png");
  CHECK(messages[1].username.empty());
  CHECK(messages[1].icon_url.empty());
}

TEST_CASE("chat.postMessage keeps thread_ts and JSON blocks", "[emulator][chat]") {
  Slack slack;
  Reply parent = slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", "parent"}});
  REQUIRE(parent.ok());
  auto json = emu::web_api_json_request(
      "chat.postMessage", slack.demo.bot_token,
      R"({"channel":"C0002","text":"reply","thread_ts":")" + parent.str("ts") +
          R"(","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"reply"}}]})");
  auto reply = emu::parse_body(slack.emulator.handle(json));
  REQUIRE(reply["ok"].GetBool());
  CHECK(reply["message"]["blocks"].Size() == 1);
  auto messages = slack.emulator.messages_in("C0002");
  REQUIRE(messages.size() == 2);
  CHECK(messages[1].thread_ts == parent.str("ts"));
  CHECK(messages[1].blocks_json.find("\"section\"") != std::string::npos);

  CHECK(slack.bot("chat.postMessage", {{"channel", "C0002"}, {"blocks", "{}"}}).error() ==
        "invalid_blocks");
}

TEST_CASE("a bot token posting to a user id lands in that user's DM with the bot",
          "[emulator][chat][dm]") {
  Slack slack;
  Reply first = slack.bot("chat.postMessage", {{"channel", "U0002"}, {"text", "hello bob"}});
  Reply second = slack.bot("chat.postMessage", {{"channel", "U0002"}, {"text", "again"}});
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first.str("channel")[0] == 'D');
  CHECK(second.str("channel") == first.str("channel"));
  slack.emulator.with_state([&](emu::State& s) {
    const auto* dm = s.find_dm("T0001", first.str("channel"));
    REQUIRE(dm != nullptr);
    CHECK(dm->has_member("U0002"));
    CHECK(dm->has_member("U0BOT"));
  });
  // The DM id itself is a valid channel afterwards.
  CHECK(slack.bot("chat.postMessage", {{"channel", first.str("channel")}, {"text", "x"}}).ok());
}

TEST_CASE("with the Slackbot behaviour a user id lands in the user's Slackbot DM",
          "[emulator][chat][dm]") {
  Slack slack;
  slack.emulator.set_behaviour({.user_id_posts_to_bot_dm = false});
  Reply r = slack.bot("chat.postMessage", {{"channel", "U0002"}, {"text", "hello"}});
  REQUIRE(r.ok());
  slack.emulator.with_state([&](emu::State& s) {
    const auto* dm = s.find_dm("T0001", r.str("channel"));
    REQUIRE(dm != nullptr);
    CHECK(dm->has_member("USLACKBOT"));
  });
}

TEST_CASE("a user token posting to a user id posts as that user in their DM",
          "[emulator][chat][dm]") {
  Slack slack;
  Reply r = slack.call("chat.postMessage", slack.demo.user_token,
                       {{"channel", "U0002"}, {"text", "hi bob, alice here"}});
  REQUIRE(r.ok());
  auto messages = slack.emulator.messages_in(r.str("channel"));
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].author_user_id == "U0001");
  CHECK(messages[0].token == slack.demo.user_token);
  slack.emulator.with_state([&](emu::State& s) {
    const auto* dm = s.find_dm("T0001", r.str("channel"));
    REQUIRE(dm != nullptr);
    CHECK(dm->has_member("U0001"));
    CHECK(dm->has_member("U0002"));
    CHECK_FALSE(dm->has_member("U0BOT"));
  });
  // The bot is not in alice's DM with bob.
  CHECK(slack.bot("chat.postMessage", {{"channel", r.str("channel")}, {"text", "x"}}).error() ==
        "channel_not_found");
}

TEST_CASE("chat.update edits the poster's own message", "[emulator][chat]") {
  Slack slack;
  Reply posted = slack.bot("chat.postMessage", {{"channel", "C0002"}, {"text", "open"}});
  REQUIRE(posted.ok());
  Reply updated = slack.bot("chat.update",
                            {{"channel", "C0002"}, {"ts", posted.str("ts")}, {"text", "closed"}});
  REQUIRE(updated.ok());
  CHECK(updated.str("ts") == posted.str("ts"));
  CHECK(updated.str("text") == "closed");
  auto messages = slack.emulator.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "closed");
  CHECK(messages[0].edit_count == 1);
}

TEST_CASE("chat.update answers Slack's errors", "[emulator][chat]") {
  Slack slack;
  Reply by_alice = slack.call("chat.postMessage", slack.demo.user_token,
                              {{"channel", "C0002"}, {"text", "mine"}});
  REQUIRE(by_alice.ok());
  std::string ts = by_alice.str("ts");
  CHECK(slack.bot("chat.update", {{"channel", "C0002"}, {"ts", ts}, {"text", "x"}}).error() ==
        "cant_update_message");
  CHECK(
      slack.bot("chat.update", {{"channel", "C0002"}, {"ts", "1.000001"}, {"text", "x"}}).error() ==
      "message_not_found");
  CHECK(slack.bot("chat.update", {{"channel", "U0001"}, {"ts", ts}, {"text", "x"}}).error() ==
        "channel_not_found");
  CHECK(slack
            .call("chat.update", slack.demo.user_token,
                  {{"channel", "C0002"}, {"ts", ts}, {"text", std::string(4'001, 'a')}})
            .error() == "msg_too_long");
}

TEST_CASE("conversations.open returns the same DM id every time", "[emulator][conversations]") {
  Slack slack;
  Reply first = slack.bot("conversations.open", {{"users", "U0003"}});
  Reply again = slack.bot("conversations.open", {{"users", "U0003"}});
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  std::string id = first.json["channel"]["id"].GetString();
  CHECK(id[0] == 'D');
  CHECK(std::string(again.json["channel"]["id"].GetString()) == id);
  CHECK(again.json["already_open"].GetBool());
  CHECK_FALSE(first.json.HasMember("already_open"));
  // Posting to the user id reuses the same DM.
  CHECK(slack.bot("chat.postMessage", {{"channel", "U0003"}, {"text", "x"}}).str("channel") == id);
}

TEST_CASE("conversations.open errors", "[emulator][conversations]") {
  Slack slack;
  CHECK(slack.bot("conversations.open", {{"users", "U9999"}}).error() == "user_not_found");
  CHECK(slack.bot("conversations.open").error() == "users_list_not_supplied");
  Reply no_scope = slack.call("conversations.open", slack.demo.user_token, {{"users", "U0002"}});
  CHECK(no_scope.error() == "missing_scope");
  CHECK(no_scope.str("needed") == "im:write");
}

TEST_CASE("views.publish stores the home view", "[emulator][views]") {
  Slack slack;
  std::string view =
      R"({"type":"home","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"Linked"}}]})";
  Reply r = slack.bot("views.publish", {{"user_id", "U0001"}, {"view", view}});
  REQUIRE(r.ok());
  CHECK(std::string(r.json["view"]["type"].GetString()) == "home");
  slack.emulator.with_state([&](emu::State& s) {
    const auto* published = s.latest_home_view("U0001");
    REQUIRE(published != nullptr);
    CHECK(published->view_json.find("Linked") != std::string::npos);
    CHECK(published->view_id == r.json["view"]["id"].GetString());
  });
}

TEST_CASE("views.publish refuses bad views and disabled home tabs", "[emulator][views]") {
  Slack slack;
  for (const char* view : {"not json", R"({"type":"modal","blocks":[]})", R"({"type":"home"})"}) {
    INFO(view);
    CHECK(slack.bot("views.publish", {{"user_id", "U0001"}, {"view", view}}).error() ==
          "invalid_arguments");
  }
  std::string good = R"({"type":"home","blocks":[]})";
  CHECK(slack.bot("views.publish", {{"user_id", "U9999"}, {"view", good}}).error() ==
        "user_not_found");
  slack.emulator.with_state([](emu::State& s) { s.apps.at("A0001").home_tab_enabled = false; });
  CHECK(slack.bot("views.publish", {{"user_id", "U0001"}, {"view", good}}).error() ==
        "not_enabled");
}

TEST_CASE("unknown methods and malformed JSON bodies", "[emulator]") {
  Slack slack;
  CHECK(slack.bot("chat.frobnicate").error() == "unknown_method");
  auto bad = emu::web_api_json_request("chat.postMessage", slack.demo.bot_token, "{nope");
  CHECK(std::string(emu::parse_body(slack.emulator.handle(bad))["error"].GetString()) ==
        "invalid_json");
}

TEST_CASE("the call log records each call without its token", "[emulator][log]") {
  Slack slack;
  slack.clock.advance(std::chrono::seconds(5));
  REQUIRE(slack.call("auth.test", "", {{"token", slack.demo.bot_token}}).ok());
  REQUIRE_FALSE(slack.bot("users.info", {{"user", "U9999"}}).ok());
  auto calls = slack.emulator.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].method == "auth.test");
  CHECK(calls[0].team_id == "T0001");
  CHECK(calls[0].arrival == FakeClock::TimePoint{} + std::chrono::seconds(5));
  CHECK(calls[0].params.count("token") == 0);
  CHECK(calls[0].http_status == 200);
  CHECK(calls[0].error.empty());
  CHECK(calls[1].params.at("user") == "U9999");
  CHECK(calls[1].error == "user_not_found");
  CHECK(slack.emulator.calls_of("users.info").size() == 1);
}
