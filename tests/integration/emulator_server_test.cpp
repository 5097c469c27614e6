// The emulator through real sockets: EmulatorServer on loopback, the real net::HttpClient.
#include <catch2/catch.hpp>

#include "bridgebot/net/http.h"
#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"
#include "slack_emulator/server.h"
#include "support/test_tls.h"

namespace emu = bridgebot::emulator;
namespace net = bridgebot::net;
using namespace std::chrono_literals;

namespace {

net::ClientRequest form_post(const std::string& url, const std::string& token,
                             const emu::FormFields& fields = {}) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
  request.body = net::form_encode(fields);
  return request;
}

net::ClientRequest json_post(const std::string& url, std::string body) {
  net::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.set("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}

struct PlainSlack {
  bridgebot::core::FakeClock clock;
  emu::Emulator emulator{clock};
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);
  emu::EmulatorServer server{emulator};
  std::unique_ptr<net::HttpClient> client;

  PlainSlack() {
    REQUIRE(server.start().ok());
    net::ClientOptions options;
    options.tls.allow_plaintext = true;
    client = net::make_http_client(options);
  }
};

}  // namespace

TEST_CASE("the Web API answers over plain HTTP on loopback", "[emulator][server]") {
  PlainSlack slack;
  CHECK(slack.server.api_base_url() ==
        "http://127.0.0.1:" + std::to_string(slack.server.port()) + "/api/");
  auto response = slack.client->send(
      form_post(slack.server.api_base_url() + "auth.test", slack.demo.bot_token));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->headers.get("x-oauth-scopes").find("chat:write") != std::string::npos);
  auto body = emu::parse_body(*response);
  REQUIRE(body.IsObject());
  CHECK(body["ok"].GetBool());
  CHECK(std::string(body["team_id"].GetString()) == "T0001");
}

TEST_CASE("a 429 and its Retry-After cross the wire intact", "[emulator][server]") {
  PlainSlack slack;
  slack.emulator.inject_fault("users.list", emu::Fault::ratelimited(30s));
  auto response = slack.client->send(
      form_post(slack.server.api_base_url() + "users.list", slack.demo.bot_token));
  REQUIRE(response.ok());
  CHECK(response->status == 429);
  CHECK(response->headers.get("Retry-After") == "30");
  CHECK(std::string(emu::parse_body(*response)["error"].GetString()) == "ratelimited");
}

TEST_CASE("incoming webhooks answer over HTTP", "[emulator][server][webhook]") {
  PlainSlack slack;
  auto ok = slack.client->send(
      json_post(slack.server.webhook_url(slack.demo.webhook_id), R"({"text":"deploy done"})"));
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  CHECK(ok->body == "ok");
  auto dead = slack.client->send(
      json_post(slack.server.webhook_url("T0001/B0/unknown"), R"({"text":"x"})"));
  REQUIRE(dead.ok());
  CHECK(dead->status == 404);
  CHECK(dead->body == "no_service");
  CHECK(slack.emulator.messages_in(slack.demo.general_channel).size() == 1);
}

TEST_CASE("a scripted delay holds the answer without blocking other calls",
          "[emulator][server][faults]") {
  PlainSlack slack;
  slack.emulator.inject_fault("users.list", emu::Fault::slow(2'000ms));
  auto slow_request = form_post(slack.server.api_base_url() + "users.list", slack.demo.bot_token);
  slow_request.timeout = 200ms;
  auto timed_out = slack.client->send(slow_request);
  REQUIRE_FALSE(timed_out.ok());
  CHECK(timed_out.error().code == "timeout");

  // The server was not stuck behind the delayed answer.
  auto quick = slack.client->send(
      form_post(slack.server.api_base_url() + "auth.test", slack.demo.bot_token));
  REQUIRE(quick.ok());
  CHECK(quick->status == 200);

  slack.emulator.inject_fault("users.list", emu::Fault::slow(50ms));
  auto delayed = slack.client->send(
      form_post(slack.server.api_base_url() + "users.list", slack.demo.bot_token));
  REQUIRE(delayed.ok());
  CHECK(emu::parse_body(*delayed)["ok"].GetBool());
}

TEST_CASE("a scripted dropped connection is reported as unsupported by the transport",
          "[emulator][server][faults]") {
  PlainSlack slack;
  slack.emulator.inject_fault("auth.test", emu::Fault::dropped_connection());
  auto response = slack.client->send(
      form_post(slack.server.api_base_url() + "auth.test", slack.demo.bot_token));
  REQUIRE(response.ok());
  CHECK(response->status == 503);
  CHECK(response->headers.get("X-Emulator-Unsupported-Fault") == "drop_connection");
}

TEST_CASE("the Web API answers over HTTPS with a test CA", "[emulator][server][tls]") {
  auto certificates = bridgebot::test::make_test_certificates();
  bridgebot::core::FakeClock clock;
  emu::Emulator emulator(clock);
  auto demo = emu::seed_demo_workspace(emulator);
  emu::EmulatorServer server(emulator, {.tls_certificate_pem = certificates.server_cert_pem,
                                        .tls_private_key_pem = certificates.server_key_pem});
  REQUIRE(server.start().ok());
  CHECK(server.api_base_url().rfind("https://127.0.0.1:", 0) == 0);

  net::ClientOptions options;
  options.tls.ca_file = bridgebot::test::write_ca_file(certificates);
  auto client = net::make_http_client(options);
  auto response = client->send(form_post(server.api_base_url() + "chat.postMessage", demo.bot_token,
                                         {{"channel", demo.helpdesk_channel}, {"text", "secure"}}));
  REQUIRE(response.ok());
  CHECK(emu::parse_body(*response)["ok"].GetBool());
  REQUIRE(emulator.messages().size() == 1);
  CHECK(emulator.messages()[0].text == "secure");

  // A client that does not trust the test CA refuses the emulator.
  auto untrusting = net::make_http_client({});
  auto refused = untrusting->send(form_post(server.api_base_url() + "auth.test", demo.bot_token));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "tls_failed");
}
