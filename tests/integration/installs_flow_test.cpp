// The installs feature end to end over real sockets: the bridge's platform API (HttpServer)
// talking to the Slack emulator (EmulatorServer) through the real HttpClient and WebApi, with a
// browser played by plain HTTP requests that follow redirects by hand.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "bridgebot/api/installation_routes.h"
#include "bridgebot/api/oauth_routes.h"
#include "bridgebot/api/signature.h"
#include "bridgebot/bridge/oauth_states.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"
#include "bridgebot/net/http_server.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"
#include "bridgebot/store/sqlite_store.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"

using namespace bridgebot;

namespace {

constexpr const char* kAdmin = "admin-token";
constexpr const char* kSigning = "signing-secret";

// Everything the installs routes need, wired the way `bridgebot run` wires it.
struct Bridge {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bb-installs-it-" + core::random_token(6));
  core::FakeClock clock{1'700'000'000};
  emulator::Emulator slack_emulator{clock};
  emulator::DemoWorkspace demo = emulator::seed_demo_workspace(slack_emulator);
  std::unique_ptr<emulator::EmulatorServer> slack_server;
  std::unique_ptr<net::HttpClient> http = net::make_http_client([] {
    net::ClientOptions o;
    o.tls.allow_plaintext = true;
    o.connect_timeout = std::chrono::seconds(2);
    return o;
  }());
  slack::RateLimiter limiter{clock};
  std::unique_ptr<slack::WebApi> web_api;
  core::Config config;
  std::unique_ptr<store::Store> db;
  core::SecretBox box{core::random_bytes(32)};
  std::unique_ptr<bridge::InstallationService> installations;
  std::unique_ptr<bridge::OAuthStates> states;
  std::unique_ptr<bridge::Acceptor> acceptor;
  core::ThreadPool workers{2};
  std::unique_ptr<api::PlatformApi> platform;
  std::unique_ptr<net::HttpServer> server;
  std::string base;

  // replies: platform.reply_webhook_url is set (replies to relayed DMs go back to the platform).
  explicit Bridge(bool replies = false) {
    std::filesystem::create_directories(dir);
    slack_emulator.with_state(
        [](emulator::State& s) { s.apps.begin()->second.token_rotation_enabled = true; });
    slack_server = std::make_unique<emulator::EmulatorServer>(slack_emulator);
    REQUIRE(slack_server->start().ok());
    slack::RetryPolicy policy;
    policy.max_attempts = 1;
    web_api = std::make_unique<slack::WebApi>(*http, slack_server->api_base_url(), clock, limiter,
                                              policy);
    db = store::open_sqlite_store((dir / "bridge.db").string()).value();

    net::ServerOptions options;
    config.platform.admin_token = kAdmin;
    config.platform.signing_secret = kSigning;
    config.platform.return_to_origins = {"https://platform.example"};
    config.slack.oauth_base_url = slack_server->base_url() + "oauth/v2/authorize";
    bridge::InstallationServiceOptions service_options;
    service_options.oauth = slack::OAuthClient{"1111.2222", "test-client-secret"};
    service_options.replies = replies;
    installations =
        std::make_unique<bridge::InstallationService>(*db, *web_api, box, clock, service_options);
    states = std::make_unique<bridge::OAuthStates>(*db, box, clock);
    acceptor = std::make_unique<bridge::Acceptor>(*db, *installations, config, clock, nullptr);
    platform = std::make_unique<api::PlatformApi>(
        api::PlatformApiDeps{config, clock, *db, *acceptor, workers, nullptr, nullptr});
    api::add_installation_routes(*platform, {*installations, *db, [](std::string_view) {
                                               return std::string("connected");
                                             }});
    api::add_oauth_routes(*platform, {config, *installations, *states, *web_api});
    server = std::make_unique<net::HttpServer>(options, platform->handler());
    REQUIRE(server->start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
    // The redirect URL names the bridge, so it is known only now; routes read config live.
    config.slack.oauth = core::OAuthConfig{"1111.2222",
                                           "test-client-secret",
                                           base + "/slack/oauth_redirect",
                                           {"chat:write.customize", "incoming-webhook"}};
  }
  ~Bridge() {
    server->stop();
    workers.shutdown();
    slack_server->stop();
    db.reset();
    std::filesystem::remove_all(dir);
  }

  net::HttpResponse send(const std::string& method, const std::string& url,
                         const std::string& body = {}, bool admin = true) {
    net::ClientRequest r;
    r.method = method;
    r.url = url.rfind("http", 0) == 0 ? url : base + url;
    r.body = body;
    if (admin) r.headers.set("Authorization", std::string("Bearer ") + kAdmin);
    if (!body.empty()) r.headers.set("Content-Type", "application/json");
    auto response = http->send(r);
    REQUIRE(response.ok());
    return *response;
  }
  net::HttpResponse browse(const std::string& url) { return send("GET", url, {}, false); }
  net::HttpResponse send_signed(const std::string& path, const std::string& body) {
    net::ClientRequest r;
    r.method = "POST";
    r.url = base + path;
    r.body = body;
    const auto ts = clock.unix_seconds();
    r.headers.set("X-Bridge-Timestamp", std::to_string(ts));
    r.headers.set("X-Bridge-Signature", api::sign_v2(kSigning, ts, "POST", path, body));
    r.headers.set("Content-Type", "application/json");
    auto response = http->send(r);
    REQUIRE(response.ok());
    return *response;
  }

  // What Slack answers auth.test for `token` now.
  std::string auth_test_error(const std::string& token) {
    auto answer = web_api->auth_test({"T0001", token});
    return answer.ok() ? std::string() : answer.error().code;
  }

  // Add to Slack in a browser: install page -> Slack's authorize page -> back to the bridge.
  // Returns the redirect back to the bridge (with code and state) without following it.
  std::string authorize_redirect(const std::string& start) {
    auto to_slack = browse(start);
    REQUIRE(to_slack.status == 302);
    auto to_bridge = browse(to_slack.headers.get("Location"));
    REQUIRE(to_bridge.status == 302);
    return to_bridge.headers.get("Location");
  }

  store::Installation stored() { return db->get_installation("T0001").value().value(); }

  // Installs T0001 with the demo bot token (manual setup); requires 201.
  void install_manually() {
    REQUIRE(send("POST", "/v1/installations",
                 R"({"bot_token":")" + demo.bot_token + R"(","workspace_domain":"acme"})")
                .status == 201);
  }

  // Accepts a message for bob straight into the store, as if the platform had sent it.
  void queue_message(const std::string& id) {
    store::AcceptRequest queued;
    queued.source_id = id;
    queued.team_id = "T0001";
    queued.items.push_back({"recipient", "U0002", "{}", "", 0});
    REQUIRE(db->accept(queued).ok());
  }

  // Asks for platform user `user_id`'s personal Connect link (signed POST .../connect);
  // returns the link.
  std::string connect_link(const std::string& user_id, const std::string& email) {
    auto link =
        send_signed("/v1/users/" + user_id + "/connect",
                    R"({"email":")" + email +
                        R"(","team_id":"T0001","return_to":"https://platform.example/done"})");
    REQUIRE(link.status == 200);
    return core::json_string(core::parse_json(link.body).value(), "url").value();
  }
};

}  // namespace

TEST_CASE(
    "Add to Slack installs a rotating workspace with its webhook; a replayed or changed "
    "state is refused",
    "[installs][oauth]") {
  Bridge b;
  const std::string back = b.authorize_redirect("/slack/install");
  CHECK_THAT(back, Catch::StartsWith(b.base + "/slack/oauth_redirect?code="));

  auto page = b.browse(back);
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("installed in acme"));
  CHECK_THAT(page.body, Catch::Contains("#general"));
  CHECK_THAT(page.body, !Catch::Contains("xox"));
  auto inst = b.stored();
  CHECK(inst.token_expires_at == b.clock.unix_seconds() + 43200);
  CHECK_FALSE(inst.refresh_token.empty());
  REQUIRE(inst.incoming_webhook);
  CHECK(inst.incoming_webhook->channel_id == "C0001");
  auto active = b.installations->active("T0001").value();
  CHECK_THAT(active.bot_token, Catch::StartsWith("xoxe.xoxb-1-"));
  CHECK_THAT(active.incoming_webhook_url, Catch::StartsWith(b.slack_server->base_url()));

  auto replay = b.browse(back);
  CHECK(replay.status == 400);
  CHECK_THAT(replay.body, Catch::Contains("already used"));

  std::string tampered = b.authorize_redirect("/slack/install");
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'x' ? 'y' : 'x';
  auto refused = b.browse(tampered);
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body, Catch::Contains("not valid"));
}

TEST_CASE("Cancelling on Slack's page installs nothing", "[installs][oauth]") {
  Bridge b;
  b.slack_emulator.with_state([](emulator::State& s) { s.consent.approve = false; });
  auto page = b.browse(b.authorize_redirect("/slack/install"));
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("cancelled"));
  CHECK_FALSE(b.db->get_installation("T0001").value().has_value());
}

TEST_CASE("A rotating token is refreshed before it expires and the old one stops working",
          "[installs][rotation]") {
  Bridge b;
  b.browse(b.authorize_redirect("/slack/install"));
  const std::string old_token = b.installations->active("T0001")->bot_token;
  b.clock.advance(std::chrono::hours(9));
  CHECK(b.installations->refresh_due().refreshed == 0);
  b.clock.advance(std::chrono::hours(1) + std::chrono::seconds(1));  // under 2 h left

  CHECK(b.installations->refresh_due().refreshed == 1);
  const std::string new_token = b.installations->active("T0001")->bot_token;
  CHECK(new_token != old_token);
  CHECK(b.auth_test_error(new_token).empty());
  CHECK(b.auth_test_error(old_token) == "token_expired");
  CHECK(*b.stored().token_expires_at == b.clock.unix_seconds() + 43200);
}

TEST_CASE("token_expired from Slack is recovered by one refresh", "[installs][rotation]") {
  Bridge b;
  b.browse(b.authorize_redirect("/slack/install"));
  const std::string old_token = b.installations->active("T0001")->bot_token;
  b.slack_emulator.with_state(
      [&](emulator::State& s) { s.find_token(old_token)->state = emulator::TokenState::expired; });
  REQUIRE(b.auth_test_error(old_token) == "token_expired");

  auto refreshed = b.installations->refresh_expired("T0001", old_token);
  REQUIRE(refreshed.ok());
  CHECK(b.auth_test_error(refreshed->bot_token).empty());
  CHECK(b.slack_emulator.calls_of("oauth.v2.access").size() == 2);  // install + one refresh
}

TEST_CASE("Admin endpoints: list, test, rotate, edit and disconnect an installation",
          "[installs][admin]") {
  Bridge b;
  CHECK(b.send("GET", "/v1/installations", {}, false).status == 401);
  auto created = b.send("POST", "/v1/installations",
                        R"({"bot_token":")" + b.demo.bot_token + R"(","workspace_domain":"acme"})");
  CHECK(created.status == 201);
  CHECK(b.send("POST", "/v1/installations",
               R"({"bot_token":")" + b.demo.bot_token + R"(","workspace_domain":"acme"})")
            .status == 200);
  auto mismatch = b.send(
      "POST", "/v1/installations",
      R"({"bot_token":")" + b.demo.bot_token + R"(","workspace_domain":"globex.slack.com"})");
  CHECK(mismatch.status == 422);
  CHECK_THAT(mismatch.body, Catch::Contains("domain_mismatch"));
  CHECK(b.send("POST", "/v1/installations",
               R"({"bot_token":")" + b.demo.bot_token + R"(","workspace_domain":"acme!"})")
            .status == 400);

  auto list = b.send("GET", "/v1/installations");
  CHECK(list.status == 200);
  CHECK_THAT(list.body, Catch::Contains(R"("team_id":"T0001")"));
  CHECK_THAT(list.body, Catch::Contains(R"("socket_mode":"connected")"));
  CHECK_THAT(list.body, Catch::Contains(R"("missing_scopes":[])"));
  CHECK_THAT(list.body, Catch::Contains(R"("links":0,"connected_users":0,"queued_items":0)"));
  CHECK_THAT(list.body, !Catch::Contains("xoxb"));

  auto test = b.send("POST", "/v1/installations/T0001/test");
  CHECK(test.status == 200);
  CHECK_THAT(test.body, Catch::StartsWith(R"({"ok":true)"));
  b.slack_emulator.with_state([&](emulator::State& s) {
    s.find_token(b.demo.bot_token)->state = emulator::TokenState::expired;
  });
  auto expired = b.send("POST", "/v1/installations/T0001/test");
  CHECK_THAT(expired.body, Catch::Contains(R"("error":"token_expired")"));
  CHECK_THAT(expired.body, Catch::Contains("Paste a new bot token"));
  b.slack_emulator.with_state([&](emulator::State& s) {
    s.find_token(b.demo.bot_token)->state = emulator::TokenState::valid;
  });

  CHECK(b.send("POST", "/v1/installations/T0001/rotate").status == 409);

  auto bad_field = b.send("PATCH", "/v1/installations/T0001", R"({"colour":"red"})");
  CHECK(bad_field.status == 400);
  CHECK_THAT(bad_field.body, Catch::Contains(R"("field":"colour")"));
  auto edited = b.send("PATCH", "/v1/installations/T0001",
                       R"({"sender_identity":false,"notification_channel":"C0002"})");
  CHECK(edited.status == 200);
  CHECK_THAT(edited.body, Catch::Contains(R"("sender_identity":false)"));
  CHECK_THAT(edited.body, Catch::Contains(R"("notification_channel":"C0002")"));

  REQUIRE(b.db->put_link({"T0001", "p-bob", "U0002", "bob@example.com", 1, std::nullopt}).ok());
  b.queue_message("msg-1");
  CHECK_THAT(b.send("GET", "/v1/installations").body,
             Catch::Contains(R"("links":1,"connected_users":0,"queued_items":1)"));
  auto gone = b.send("DELETE", "/v1/installations/T0001");
  CHECK(gone.status == 204);
  CHECK(gone.headers.get("X-Bridge-Token-Revoked") == "true");
  CHECK(gone.headers.get("X-Bridge-User-Tokens-Revoked") == "0/0");
  CHECK(b.auth_test_error(b.demo.bot_token) == "token_revoked");
  CHECK_FALSE(b.db->get_link("T0001", "p-bob").value().has_value());
  CHECK(b.stored().state == store::InstallationState::revoked);
  CHECK(b.stored().bot_token.empty());
  CHECK(b.send("POST", "/v1/installations/T0001/test").status == 404);
}

TEST_CASE("Disconnect purges the workspace even when Slack is unreachable, and says so",
          "[installs][admin]") {
  Bridge b;
  b.install_manually();
  REQUIRE(b.db->put_link({"T0001", "p-bob", "U0002", "bob@example.com", 1, std::nullopt}).ok());
  b.queue_message("msg-1");
  REQUIRE(b.db->put_thread_anchor({"T0001", "C0002", "ticket-1", "C0002", "1.2"}).ok());
  b.slack_server->stop();

  auto gone = b.send("DELETE", "/v1/installations/T0001");
  CHECK(gone.status == 204);
  CHECK(gone.headers.get("X-Bridge-Token-Revoked") == "false");
  CHECK_THAT(gone.headers.get("X-Bridge-Warning"), Catch::Contains("could not revoke"));
  CHECK_FALSE(b.db->get_link("T0001", "p-bob").value().has_value());
  CHECK_FALSE(b.db->source_status(store::SourceKind::message, "msg-1").value().has_value());
  CHECK_FALSE(b.db->get_thread_anchor("T0001", "C0002", "ticket-1").value().has_value());
  CHECK(b.stored().state == store::InstallationState::revoked);
}

TEST_CASE("Personal Connect links a user with their token and returns to the platform",
          "[installs][connect]") {
  Bridge b;
  b.install_manually();
  b.slack_emulator.with_state([](emulator::State& s) { s.consent.user_id = "U0001"; });
  CHECK(b.send("POST", "/v1/users/p-alice/connect",
               R"({"email":"Alice@Example.com","team_id":"T0001","return_to":"https://x/"})")
            .status == 401);  // unsigned
  const std::string url = b.connect_link("p-alice", "Alice@Example.com");
  CHECK_THAT(url, Catch::StartsWith(b.base + "/slack/connect?t="));

  const std::string back = b.authorize_redirect(url);
  auto done = b.browse(back);
  CHECK(done.status == 302);
  CHECK(done.headers.get("Location") == "https://platform.example/done");
  auto token = b.installations->connected_user_token("T0001", "p-alice").value();
  REQUIRE(token);
  CHECK(b.auth_test_error(*token).empty());
  CHECK(b.browse(url).status == 400);  // the link works once

  REQUIRE(b.installations->revoke_user_token("T0001", "p-alice").ok());
  CHECK(b.auth_test_error(*token) == "token_revoked");
}

TEST_CASE("Personal Connect with a Slack account of another email links nothing",
          "[installs][connect]") {
  Bridge b;
  b.install_manually();
  b.slack_emulator.with_state([](emulator::State& s) { s.consent.user_id = "U0002"; });  // bob
  auto page = b.browse(b.authorize_redirect(b.connect_link("p-alice", "alice@example.com")));
  CHECK(page.status == 409);
  CHECK_THAT(page.body, Catch::Contains("b***b@e***.com"));
  CHECK_THAT(page.body, !Catch::Contains("bob@example.com"));
  CHECK_FALSE(b.db->get_link("T0001", "p-alice").value().has_value());
}

TEST_CASE("Disconnect revokes the connected users' own tokens at Slack as well as the bot's",
          "[installs][connect][admin]") {
  Bridge b;
  b.install_manually();
  b.slack_emulator.with_state([](emulator::State& s) { s.consent.user_id = "U0001"; });
  REQUIRE(b.browse(b.authorize_redirect(b.connect_link("p-alice", "alice@example.com"))).status ==
          302);
  const std::string user_token =
      b.installations->connected_user_token("T0001", "p-alice").value().value();
  CHECK_THAT(b.send("GET", "/v1/installations").body,
             Catch::Contains(R"("links":1,"connected_users":1)"));

  auto gone = b.send("DELETE", "/v1/installations/T0001");
  CHECK(gone.status == 204);
  CHECK(gone.headers.get("X-Bridge-User-Tokens-Revoked") == "1/1");
  CHECK(b.auth_test_error(user_token) == "token_revoked");
  CHECK(b.auth_test_error(b.demo.bot_token) == "token_revoked");
  CHECK_FALSE(b.db->get_link("T0001", "p-alice").value().has_value());
}

TEST_CASE("The store's files hold no token, refresh token, webhook URL or user token in clear",
          "[installs][secrets]") {
  Bridge b;
  b.browse(b.authorize_redirect("/slack/install"));  // rotating bot token + incoming webhook
  b.slack_emulator.with_state([](emulator::State& s) { s.consent.user_id = "U0001"; });
  REQUIRE(b.browse(b.authorize_redirect(b.connect_link("p-alice", "alice@example.com"))).status ==
          302);

  const auto active = b.installations->active("T0001").value();
  std::vector<std::string> secrets{
      active.bot_token, active.incoming_webhook_url,
      b.installations->connected_user_token("T0001", "p-alice").value().value()};
  b.slack_emulator.with_state([&](emulator::State& s) {
    for (const auto& [value, refresh] : s.refresh_tokens) {
      if (!refresh.used) secrets.push_back(value);
    }
  });
  REQUIRE(secrets.size() >= 4);  // at least the bot's refresh token too

  std::string stored;  // the database and its write-ahead log, as bytes on disk
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream file(b.dir / ("bridge.db" + std::string(suffix)), std::ios::binary);
    stored += std::string(std::istreambuf_iterator<char>(file), {});
  }
  // What is not secret is there to be found: the scan reads the right bytes.
  REQUIRE(stored.find("alice@example.com") != std::string::npos);
  for (const auto& secret : secrets) {
    INFO(secret.substr(0, 8) << "…");
    REQUIRE(secret.size() > 10);
    CHECK(stored.find(secret) == std::string::npos);
  }
  CHECK(stored.find("xoxe.xoxb-") == std::string::npos);
  CHECK(stored.find("xoxp-") == std::string::npos);
}

TEST_CASE("A refused code exchange says what to do: start again, or fix the client secret",
          "[installs][oauth]") {
  Bridge b;
  std::string back = b.authorize_redirect("/slack/install");
  // The state is good, the code is not one Slack issued (an expired or used sign-in).
  const auto code_at = back.find("code=") + 5;
  back.replace(code_at, back.find('&', code_at) - code_at, "not-a-code");
  auto expired = b.browse(back);
  CHECK(expired.status == 502);
  CHECK_THAT(expired.body, Catch::Contains("invalid_code"));
  CHECK_THAT(expired.body, Catch::Contains("start again"));

  b.config.slack.oauth->client_secret = "not-the-app-secret";
  auto misconfigured = b.browse(b.authorize_redirect("/slack/install"));
  CHECK(misconfigured.status == 502);
  CHECK_THAT(misconfigured.body, Catch::Contains("client_secret does not match"));
  CHECK_THAT(misconfigured.body, !Catch::Contains("not-the-app-secret"));
  CHECK_FALSE(b.db->get_installation("T0001").value().has_value());
}

TEST_CASE("With replies turned on later, a workspace installed before lists im:history as missing",
          "[installs][admin]") {
  Bridge b(/*replies=*/true);
  store::Installation earlier;  // installed while replies were off: no im:history
  earlier.team_id = "T0001";
  earlier.domain = "acme";
  earlier.scopes = {"users:read", "users:read.email", "chat:write"};
  REQUIRE(b.db->put_installation(earlier).ok());

  auto list = b.send("GET", "/v1/installations");
  CHECK(list.status == 200);
  CHECK_THAT(list.body, Catch::Contains(R"("missing_scopes":["im:history"])"));
}

TEST_CASE("Pasting a token without users:read.email is 422 missing_scopes naming it",
          "[installs][admin]") {
  Bridge b;
  b.slack_emulator.with_state([&](emulator::State& s) {
    s.add(emulator::Token{"xoxb-no-email",
                          b.demo.team_id,
                          emulator::TokenKind::bot,
                          {"users:read", "chat:write"},
                          b.demo.bot_user_id,
                          b.demo.app_id});
  });
  auto refused = b.send("POST", "/v1/installations",
                        R"({"bot_token":"xoxb-no-email","workspace_domain":"acme"})");
  CHECK(refused.status == 422);
  CHECK_THAT(refused.body, Catch::Contains(R"("error":"missing_scopes")"));
  CHECK_THAT(refused.body, Catch::Contains("users:read.email"));
  CHECK_THAT(refused.body, Catch::Contains("lacks users:read.email: add them"));  // only it
  CHECK_FALSE(b.db->get_installation("T0001").value().has_value());
}
