// slack::WebApi through real sockets against the Slack emulator: every method's wire format,
// TLS trust, and the retry/rate-limit rules as the emulator's call log saw them.
#include <catch2/catch.hpp>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/errors.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/web_api.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/faults.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"
#include "support/test_tls.h"

using namespace bridgebot;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  explicit Fixture(emulator::EmulatorServerOptions server_options = {},
                   net::ClientOptions client_options = plaintext())
      : server(emu, std::move(server_options)) {
    REQUIRE(server.start().ok());
    http = net::make_http_client(client_options);
    api = std::make_unique<slack::WebApi>(*http, server.api_base_url(), core::system_clock(),
                                          limiter);
  }
  static net::ClientOptions plaintext() {
    net::ClientOptions o;
    o.tls.allow_plaintext = true;
    return o;
  }
  slack::TeamToken bot() const { return {demo.team_id, demo.bot_token}; }

  emulator::Emulator emu{core::system_clock()};
  emulator::DemoWorkspace demo = emulator::seed_demo_workspace(emu);
  emulator::EmulatorServer server;
  slack::RateLimiter limiter{core::system_clock()};
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<slack::WebApi> api;
};

}  // namespace

TEST_CASE("auth.test reports the workspace and the granted scopes", "[integration][webapi]") {
  Fixture f;
  auto auth = f.api->auth_test(f.bot());
  REQUIRE(auth.ok());
  CHECK(auth->team_id == f.demo.team_id);
  CHECK(auth->url == "https://acme.slack.com/");
  CHECK(auth->user_id == f.demo.bot_user_id);
  CHECK(std::find(auth->scopes.begin(), auth->scopes.end(), "users:read.email") !=
        auth->scopes.end());

  auto bad = f.api->auth_test({"", "xoxb-not-a-known-token"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "invalid_auth");
  CHECK_FALSE(bad.error().transient);
}

TEST_CASE("users methods find, page and refuse like Slack", "[integration][webapi]") {
  Fixture f;
  auto bob = f.api->users_lookup_by_email(f.bot(), "bob@example.com");
  REQUIRE(bob.ok());
  CHECK(bob->email == "bob@example.com");
  auto nobody = f.api->users_lookup_by_email(f.bot(), "nobody@example.com");
  CHECK(nobody.error().code == "users_not_found");

  auto info = f.api->users_info(f.bot(), bob->id);
  REQUIRE(info.ok());
  CHECK(info->id == bob->id);
  CHECK(f.api->users_info(f.bot(), "U404").error().code == "user_not_found");

  auto everyone = slack::users_list_all(*f.api, f.bot(), 2);  // several pages
  REQUIRE(everyone.ok());
  CHECK(everyone->size() >= 5);
  CHECK(f.emu.calls_of("users.list").size() >= 3);
}

TEST_CASE("posting, updating, DMs, views and revocation", "[integration][webapi]") {
  Fixture f;
  slack::PostMessageRequest post;
  post.channel = f.demo.helpdesk_channel;
  post.text = "Ticket #42 created";
  auto posted = f.api->chat_post_message(f.bot(), post);
  REQUIRE(posted.ok());
  CHECK(posted->channel == f.demo.helpdesk_channel);
  CHECK_FALSE(posted->ts.empty());

  slack::UpdateMessageRequest update;
  update.channel = posted->channel;
  update.ts = posted->ts;
  update.text = "Ticket #42 closed";
  REQUIRE(f.api->chat_update(f.bot(), update).ok());
  CHECK(f.emu.messages_in(f.demo.helpdesk_channel).back().text == "Ticket #42 closed");

  post.channel = "C404";
  CHECK(f.api->chat_post_message(f.bot(), post).error().code == "channel_not_found");
  post.channel = f.demo.archived_channel;
  CHECK(f.api->chat_post_message(f.bot(), post).error().code == "is_archived");

  auto bob = f.api->users_lookup_by_email(f.bot(), "bob@example.com");
  auto dm = f.api->conversations_open(f.bot(), bob->id);
  REQUIRE(dm.ok());
  CHECK(dm->front() == 'D');

  CHECK(f.api->views_publish(f.bot(), bob->id, R"({"type":"home","blocks":[]})").ok());

  auto url = f.api->apps_connections_open(f.demo.app_token);
  REQUIRE(url.ok());
  CHECK(url->find("ticket=") != std::string::npos);
  CHECK(f.api->apps_connections_open(f.demo.bot_token).error().code == "not_allowed_token_type");

  REQUIRE(f.api->auth_revoke(f.bot()).ok());
  CHECK(f.api->auth_test(f.bot()).error().code == "token_revoked");
}

TEST_CASE("incoming webhooks answer ok, and dead ones say so", "[integration][webapi]") {
  Fixture f;
  CHECK(
      f.api
          ->post_incoming_webhook("T1", f.server.webhook_url(f.demo.webhook_id), R"({"text":"hi"})")
          .ok());
  auto dead = f.api->post_incoming_webhook("T1", f.server.webhook_url("nope"), R"({"text":"hi"})");
  REQUIRE_FALSE(dead.ok());
  CHECK(slack::is_dead_webhook(dead.error()));
}

TEST_CASE("a 429 is honoured: no call before Retry-After elapsed", "[integration][webapi]") {
  Fixture f;
  f.emu.inject_fault("users.info", emulator::Fault::ratelimited(1s));
  auto bob = f.api->users_info(f.bot(), "U0002");
  REQUIRE(bob.ok());
  const auto calls = f.emu.calls_of("users.info");
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].http_status == 429);
  CHECK(calls[1].arrival - calls[0].arrival >= 1s);
  CHECK(f.emu.rate_limit_violations().empty());
}

TEST_CASE("5xx is retried for reads but never for chat.postMessage", "[integration][webapi]") {
  Fixture f;
  f.emu.inject_fault("users.info", emulator::Fault::status(503));
  CHECK(f.api->users_info(f.bot(), "U0002").ok());
  CHECK(f.emu.calls_of("users.info").size() == 2);

  f.emu.inject_fault("chat.postMessage", emulator::Fault::status(500));
  slack::PostMessageRequest post;
  post.channel = f.demo.general_channel;
  post.text = "once";
  auto posted = f.api->chat_post_message(f.bot(), post);
  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().transient);
  CHECK(f.emu.calls_of("chat.postMessage").size() == 1);
}

TEST_CASE("a slow Slack ends in a timeout error, not a hang", "[integration][webapi]") {
  net::ClientOptions options = Fixture::plaintext();
  options.request_timeout = 300ms;
  Fixture f({}, options);
  f.emu.inject_fault("chat.postMessage", emulator::Fault::slow(3s));
  slack::PostMessageRequest post;
  post.channel = f.demo.general_channel;
  post.text = "slow";
  auto posted = f.api->chat_post_message(f.bot(), post);
  REQUIRE_FALSE(posted.ok());
  CHECK(posted.error().code == "timeout");
}

TEST_CASE("HTTPS works with the trusted test CA and is refused otherwise", "[integration][tls]") {
  const auto certs = test::make_test_certificates("127.0.0.1");
  emulator::EmulatorServerOptions tls{"127.0.0.1:0", certs.server_cert_pem, certs.server_key_pem};
  net::ClientOptions trusted;
  trusted.tls.ca_file = test::write_ca_file(certs);
  Fixture ok(tls, trusted);
  CHECK(ok.server.api_base_url().rfind("https://", 0) == 0);
  CHECK(ok.api->auth_test(ok.bot()).ok());

  Fixture untrusted(tls, net::ClientOptions{});
  auto refused = untrusted.api->auth_test(untrusted.bot());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "tls_failed");
}
