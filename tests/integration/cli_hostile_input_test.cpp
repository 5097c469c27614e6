// Hostile input against the real binary: what anyone on the network, or a platform's leaked
// request, can send. Each case asserts the answer and that nothing was changed or lost.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>

#include "bridgebot/api/signature.h"
#include "bridgebot/core/crypto.h"
#include "support/cli_fixture.h"
#include "support/postgres_server.h"
#include "support/zendesk_sender.h"

using namespace bridgebot::test;
namespace api = bridgebot::api;

namespace {

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

#define CHECK_ERROR(request, status_code, code)          \
  do {                                                   \
    const ApiResponse answer_ = (request);               \
    INFO("body: " << answer_.body);                      \
    CHECK(answer_.status == (status_code));              \
    CHECK(json_string(answer_.body, "error") == (code)); \
  } while (false)

}  // namespace

TEST_CASE("a signature is bound to its method and path: a replayed GET cannot delete a link",
          "[cli][hostile][signature]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(bob());

  // The platform's signed GET of Bob's link, captured and replayed as a DELETE of the same link
  // and of someone else's.
  const std::int64_t ts = now();
  const std::string get = api::sign_v2(kSigningSecret, ts, "GET", "/v1/users/p-bob/link", "");
  REQUIRE(bridge.api->send("GET", "/v1/users/p-bob/link", "", {ts, get}).status == 200);
  CHECK_ERROR(bridge.api->send("DELETE", "/v1/users/p-bob/link", "", {ts, get}), 401,
              "invalid_signature");
  CHECK_ERROR(bridge.api->send("DELETE", "/v1/users/p-alice/link", "", {ts, get}), 401,
              "invalid_signature");
  // v1 signs only timestamp and body, so it is refused on every route but POST messages and
  // notifications, even while accept_v1_signatures is on.
  const std::string v1 = api::sign_v1(kSigningSecret, ts, "");
  CHECK_ERROR(bridge.api->send("DELETE", "/v1/users/p-bob/link", "", {ts, v1}), 401,
              "invalid_signature");
  CHECK_ERROR(bridge.api->send("GET", "/v1/users/p-bob/link", "", {ts, v1}), 401,
              "invalid_signature");

  // The link survived all of it.
  const auto link = bridge.api->get("/v1/users/p-bob/link");
  INFO(link.body);
  CHECK(link.status == 200);
  CHECK(json_string(link.body, "slack_user_id") == "U0002");
}

TEST_CASE("v1 signatures are taken on POST messages until accept_v1_signatures is false",
          "[cli][hostile][signature]") {
  Bridge bridge;
  bridge.start_bot();
  Signing v1;
  v1.v1 = true;
  const auto first = bridge.api->send(
      "POST", "/v1/messages", message_body("msg-v1", alice(), {user_mention(bob())}, "hi"), v1);
  INFO(first.body);
  CHECK(first.status == 202);
  // Both entries, as a platform sends while bridgebots of both ages run.
  const std::int64_t ts = now();
  const std::string both_body = message_body("msg-both", alice(), {user_mention(bob())}, "hi");
  const std::string both = api::sign_v1(kSigningSecret, ts, both_body) + "," +
                           api::sign_v2(kSigningSecret, ts, "POST", "/v1/messages", both_body);
  CHECK(bridge.api->send("POST", "/v1/messages", both_body, {ts, both}).status == 202);

  REQUIRE(bridge.stop_bot().code == 0);
  bridge.settings.accept_v1_signatures = false;
  bridge.start_bot();
  CHECK_ERROR(
      bridge.api->send("POST", "/v1/messages",
                       message_body("msg-v1-off", alice(), {user_mention(bob())}, "hi"), v1),
      401, "invalid_signature");
  CHECK_ERROR(bridge.api->send("POST", "/v1/notifications",
                               notification_body("evt-v1-off", "helpdesk", "t", "x"), v1),
              401, "invalid_signature");
  const std::int64_t later = now();
  const std::string body = message_body("msg-both-off", alice(), {user_mention(bob())}, "hi");
  const std::string header = api::sign_v1(kSigningSecret, later, body) + "," +
                             api::sign_v2(kSigningSecret, later, "POST", "/v1/messages", body);
  CHECK(bridge.api->send("POST", "/v1/messages", body, {later, header}).status == 202);
}

namespace {

// Every route that parses a JSON body from outside, with how to send to it.
struct JsonRoute {
  const char* method;
  const char* path;
  bool admin;
};
const JsonRoute kJsonRoutes[] = {
    {"POST", "/v1/messages", false},        {"POST", "/v1/notifications", false},
    {"PUT", "/v1/users/p-bob/link", false}, {"POST", "/v1/users/p-bob/connect", false},
    {"POST", "/v1/installations", true},    {"PATCH", "/v1/installations/T0001", true},
};

ApiResponse send_to(Bridge& bridge, const JsonRoute& route, const std::string& body) {
  if (!route.admin) return bridge.api->send(route.method, route.path, body);
  const auto response = bridge.admin(route.method, route.path, body);
  return {response.status, response.body};
}

}  // namespace

TEST_CASE("deeply nested JSON is invalid_json on every route and the process lives",
          "[cli][hostile][json]") {
  Bridge bridge;
  bridge.enable_oauth();
  bridge.start_bot();
  // Under the 256 KiB body limit; the recursive parser overflowed the stack on these.
  const std::string shapes[] = {std::string(200'000, '['), std::string(200'000, '{'),
                                "{\"id\":" + std::string(100'000, '[')};
  for (const auto& route : kJsonRoutes) {
    for (const auto& body : shapes) {
      INFO(route.method << " " << route.path << " with " << body.substr(0, 8) << "...");
      CHECK_ERROR(send_to(bridge, route, body), 400, "invalid_json");
    }
  }
  // 65 levels are refused, 64 are only JSON (and here a wrong shape).
  CHECK_ERROR(bridge.api->post("/v1/messages", std::string(65, '[') + std::string(65, ']')), 400,
              "invalid_json");
  CHECK(bridge.api->get_unsigned("/healthz").status == 200);
  CHECK(bridge.bot->running());
}

TEST_CASE("a Zendesk webhook with deep nesting or a NUL id is refused", "[cli][hostile][json]") {
  Bridge bridge;
  bridge.settings.sources_yaml =
      "sources:\n  zendesk:\n    - id: support\n      domain: acme\n"
      "      signing_secret: \"zendesk-hostile-secret\"\n      route: helpdesk\n";
  bridge.start_bot();
  ZendeskSender zendesk(bridge.bot->base_url(), "support", "zendesk-hostile-secret");
  CHECK_ERROR(zendesk.send(std::string(200'000, '[')), 400, "invalid_json");
  std::string event = zendesk_ticket_event("ev-1", "created", 42, "Printer on fire", "OPEN", "LOW");
  event.replace(event.find("\"ev-1\""), 6, "\"ev\\u0000-1\"");
  const auto nul = zendesk.send(event);
  INFO(event << "\n" << nul.body);
  CHECK(nul.status == 400);
  CHECK(json_string(nul.body, "field") == "id");
  CHECK(bridge.api->get_unsigned("/healthz").status == 200);
}

TEST_CASE("invalid UTF-8 and NUL are refused naming the field and nothing is queued",
          "[cli][hostile][json]") {
  Bridge bridge;
  bridge.start_bot();
  bridge.link(bob());
  // Invalid UTF-8 in the text: refused, never sent on to Slack.
  const std::string bad_text = message_body("msg-utf8", alice(), {user_mention(bob())}, "x");
  const std::string invalid = bad_text.substr(0, bad_text.find("\"text\":\"") + 8) +
                              "caf\xc3(\xff" + bad_text.substr(bad_text.find("\"text\":\"") + 9);
  CHECK_ERROR(bridge.api->post("/v1/messages", invalid), 400, "invalid_json");
  CHECK_ERROR(bridge.api->get("/v1/messages/msg-utf8"), 404, "not_found");

  // NUL in ids, emails, names and text: each named. (message_body puts ids into the url
  // unquoted, so the marker becomes JSON's \u0000 escape wherever it went.)
  const std::string nul = "~NUL~";
  auto with_nul = [&](std::string body) {
    for (auto at = body.find(nul); at != std::string::npos; at = body.find(nul, at)) {
      body.replace(at, nul.size(), "\\u0000");
    }
    return body;
  };
  const std::pair<std::string, std::string> cases[] = {
      {message_body("a" + nul + "x", alice(), {user_mention(bob())}, "hi"), "id"},
      {message_body("msg-nul-1", {"p-al" + nul, "alice@example.com", "Alice", false},
                    {user_mention(bob())}, "hi"),
       "sender.id"},
      {message_body("msg-nul-2", alice(),
                    {user_mention({"p-bob", "bob@example.com" + nul, "Bob", false})}, "hi"),
       "mentions[0].email"},
      {message_body("msg-nul-3", {"p-alice", "alice@example.com", "Al" + nul, false},
                    {user_mention(bob())}, "hi"),
       "sender.name"},
      {message_body("msg-nul-4", alice(), {user_mention(bob())}, "h" + nul + "i"), "text"},
  };
  for (const auto& [marked, field] : cases) {
    const std::string body = with_nul(marked);
    const auto answer = bridge.api->post("/v1/messages", body);
    INFO(body);
    CHECK(answer.status == 400);
    CHECK(json_string(answer.body, "error") == "invalid_field");
    CHECK(json_string(answer.body, "field") == field);
  }
  const auto link = bridge.api->put("/v1/users/p-carol/link",
                                    R"({"email":"carol@example.com\u0000","team_id":"T0001"})");
  CHECK(link.status == 400);
  CHECK(json_string(link.body, "field") == "email");
  // An id in the path: %00 and invalid UTF-8 are refused like a body field.
  for (const char* path : {"/v1/users/a%00x/link", "/v1/users/a%FFx/link"}) {
    const auto answer = bridge.api->get(path);
    INFO(path << ": " << answer.body);
    CHECK(answer.status == 400);
    CHECK(json_string(answer.body, "field") == "user_id");
  }
  // Nothing of it reached Slack.
  CHECK(bridge.bot_dm_messages("U0002").empty());
}

TEST_CASE("return_to cannot inject a header or redirect anywhere but the platform",
          "[cli][hostile][return_to]") {
  Bridge bridge;
  bridge.enable_oauth();
  bridge.start_bot();
  auto connect = [&](const std::string& return_to_json) {
    return bridge.api->post(
        "/v1/users/p-alice/connect",
        R"({"email":"alice@example.com","team_id":"T0001","return_to":)" + return_to_json + "}");
  };
  for (const char* hostile :
       {R"("https://platform.example/\r\nSet-Cookie: session=stolen")",
        R"("https://platform.example/\nLocation: https://evil.example/")",
        R"("https://evil.example/phish")", R"("https://platform.example.evil.example/")",
        R"("https://platform.example@evil.example/")", "\"javascript:alert(1)\""}) {
    const auto answer = connect(hostile);
    INFO(hostile << ": " << answer.body);
    CHECK(answer.status == 400);
    CHECK(json_string(answer.body, "error") == "invalid_field");
    CHECK(json_string(answer.body, "field") == "return_to");
  }
  CHECK(connect(R"("https://platform.example/spaces/42")").status == 200);

  // No origins configured: every return_to is refused, and the error names the key to set.
  REQUIRE(bridge.stop_bot().code == 0);
  bridge.settings.return_to_origins.clear();
  bridge.start_bot();
  const auto refused = connect(R"("https://platform.example/spaces/42")");
  INFO(refused.body);
  CHECK(refused.status == 400);
  CHECK(json_string(refused.body, "message").find("platform.return_to_origins") !=
        std::string::npos);
}

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run_bridgebot(const std::string& arguments) {
  Run run;
  const std::string command = std::string(BRIDGEBOT_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace

TEST_CASE("a store password given as ?password= is in neither check-config output nor the log",
          "[cli][hostile][secrets][postgres]") {
  Bridge bridge;
  // The test server trusts local connections, so the password is carried but not needed.
  bridge.settings.store_url = new_postgres_database() + "&password=pg-query-s3cret-pw";
  bridge.settings.encryption_key =
      bridgebot::core::base64_encode(bridgebot::core::random_bytes(32));
  bridge.start_bot();
  CHECK(bridge.api->get_unsigned("/readyz").status == 200);
  REQUIRE(bridge.stop_bot().code == 0);
  const std::string log = bridge.bot->output();
  CHECK(log.find("password=***") != std::string::npos);
  CHECK(log.find("pg-query-s3cret-pw") == std::string::npos);

  const auto checked = run_bridgebot("check-config --config " + (bridge.dir / "bot.yaml").string());
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK(checked.output.find("password=***") != std::string::npos);
  CHECK(checked.output.find("pg-query-s3cret-pw") == std::string::npos);
}

TEST_CASE("a broken webhook URL is not printed by check-config", "[cli][hostile][secrets]") {
  Bridge bridge;
  bridge.settings.routes_yaml =
      "    - match: {route: alerts}\n"
      "      to: [{webhook: \"hooks.slack.com/services/T0001/B0001/webhook-s3cret\"}]\n";
  write_file(bridge.dir / "broken.yaml", bot_config_yaml(bridge.settings));
  const auto checked =
      run_bridgebot("check-config --config " + (bridge.dir / "broken.yaml").string());
  INFO(checked.output);
  CHECK(checked.exit_code != 0);
  CHECK(checked.output.find("webhook") != std::string::npos);
  CHECK(checked.output.find("webhook-s3cret") == std::string::npos);
  const auto ran = run_bridgebot("run --config " + (bridge.dir / "broken.yaml").string());
  CHECK(ran.exit_code != 0);
  CHECK(ran.output.find("webhook-s3cret") == std::string::npos);
}
