// Rate limits: 429 + Retry-After per tier and per channel, and the violation counter that proves
// a client waited as told.
#include <catch2/catch.hpp>

#include "slack_emulator/emulator.h"
#include "slack_emulator/requests.h"
#include "slack_emulator/seed.h"

namespace emu = bridgebot::emulator;
using bridgebot::core::FakeClock;
using namespace std::chrono_literals;

namespace {

struct Slack {
  FakeClock clock;
  emu::Emulator emulator{clock};
  emu::DemoWorkspace demo = emu::seed_demo_workspace(emulator);

  explicit Slack(emu::RateLimitConfig limits = {.enabled = true}) {
    emulator.set_rate_limits(limits);
  }
  bridgebot::net::HttpResponse bot(const std::string& method, const emu::FormFields& fields = {}) {
    return emulator.handle(emu::web_api_form_request(method, demo.bot_token, fields));
  }
  bridgebot::net::HttpResponse post(const std::string& channel) {
    return bot("chat.postMessage", {{"channel", channel}, {"text", "x"}});
  }
};

}  // namespace

TEST_CASE("rate limits are off unless switched on", "[emulator][ratelimit]") {
  Slack slack(emu::RateLimitConfig{.enabled = false});
  for (int i = 0; i < 30; ++i) REQUIRE(slack.bot("users.list").status == 200);
}

TEST_CASE("a tier 2 method answers 429 with Retry-After past its budget", "[emulator][ratelimit]") {
  Slack slack;
  for (int i = 0; i < 20; ++i) REQUIRE(slack.bot("users.list").status == 200);
  auto limited = slack.bot("users.list");
  CHECK(limited.status == 429);
  CHECK(limited.headers.get("Retry-After") == "3");  // 20 per minute: one every 3 s
  auto body = emu::parse_body(limited);
  CHECK_FALSE(body["ok"].GetBool());
  CHECK(std::string(body["error"].GetString()) == "ratelimited");
  CHECK(limited.headers.has("x-oauth-scopes"));
  CHECK(slack.emulator.rate_limit_violations().empty());

  slack.clock.advance(3s);
  CHECK(slack.bot("users.list").status == 200);
  CHECK(slack.emulator.rate_limit_violations().empty());
}

TEST_CASE("a call inside a told Retry-After window is a violation", "[emulator][ratelimit]") {
  Slack slack;
  for (int i = 0; i < 20; ++i) REQUIRE(slack.bot("users.list").status == 200);
  REQUIRE(slack.bot("users.list").status == 429);
  slack.clock.advance(2s);
  CHECK(slack.bot("users.list").status == 429);
  auto violations = slack.emulator.rate_limit_violations();
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].scope == "T0001 users.list");
  CHECK(violations[0].window_end - violations[0].arrival == 1s);
}

TEST_CASE("a Retry-After on one method does not limit another", "[emulator][ratelimit]") {
  Slack slack({.enabled = true, .tier2_per_minute = 1});
  REQUIRE(slack.bot("users.list").status == 200);
  REQUIRE(slack.bot("users.list").status == 429);
  CHECK(slack.bot("users.info", {{"user", "U0001"}}).status == 200);
  CHECK(slack.emulator.rate_limit_violations().empty());
}

TEST_CASE("chat.postMessage is limited per channel with a short burst", "[emulator][ratelimit]") {
  Slack slack({.enabled = true, .post_per_second = 1.0, .post_burst = 3});
  for (int i = 0; i < 3; ++i) REQUIRE(slack.post("C0002").status == 200);
  auto limited = slack.post("C0002");
  CHECK(limited.status == 429);
  CHECK(limited.headers.get("Retry-After") == "1");
  CHECK(slack.post("U0001").status == 200);  // another conversation has its own budget
  slack.clock.advance(1s);
  CHECK(slack.post("C0002").status == 200);
  CHECK(slack.emulator.rate_limit_violations().empty());
  CHECK(slack.emulator.messages_in("C0002").size() == 4);
}

TEST_CASE("workspaces have separate budgets", "[emulator][ratelimit]") {
  Slack slack({.enabled = true, .tier2_per_minute = 1});
  slack.emulator.with_state([](emu::State& s) {
    s.add(emu::Workspace{"T0002", "globex", "globex"});
    s.add(emu::Token{"xoxb-test-globex", "T0002", emu::TokenKind::bot, {"users:read"}, "", ""});
  });
  REQUIRE(slack.bot("users.list").status == 200);
  REQUIRE(slack.bot("users.list").status == 429);
  auto other = slack.emulator.handle(emu::web_api_form_request("users.list", "xoxb-test-globex"));
  CHECK(other.status == 200);
}

TEST_CASE("auth.test is not limited by tier", "[emulator][ratelimit]") {
  Slack slack({.enabled = true,
               .tier1_per_minute = 1,
               .tier2_per_minute = 1,
               .tier3_per_minute = 1,
               .tier4_per_minute = 1});
  for (int i = 0; i < 10; ++i) REQUIRE(slack.bot("auth.test").status == 200);
}
