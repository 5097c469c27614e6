// What the admin console says about an installation and about a person who may not get DMs.
#include <catch2/catch.hpp>

#include "bridgebot/bridge/installation_health.h"
#include "bridgebot/bridge/recipient_check.h"

using namespace bridgebot;

namespace {

store::Installation healthy() {
  store::Installation inst;
  inst.team_id = "T1";
  inst.domain = "acme";
  inst.scopes = {"users:read", "users:read.email", "chat:write"};
  return inst;
}

}  // namespace

TEST_CASE("a healthy installation is Connected, with the token's remaining life when it rotates",
          "[bridge][health]") {
  auto inst = healthy();
  auto health = bridge::installation_health(inst, {}, "connected", {}, 1000);
  CHECK(health.ok());
  CHECK(health.summary == "Connected");
  inst.token_expires_at = 1000 + 3 * 3600 + 20 * 60;
  CHECK(bridge::installation_health(inst, {}, "connected", {}, 1000).summary ==
        "Connected, token expires in 3 h 20 min");
}

TEST_CASE("every problem is listed with its next step", "[bridge][health]") {
  auto inst = healthy();
  inst.scopes = {"chat:write"};
  inst.token_expires_at = 900;
  const auto health =
      bridge::installation_health(inst, {"users:read", "users:read.email"}, "link_disabled",
                                  {{"channel:C1", "not_in_channel", 2}}, 1000);
  CHECK(health.summary == "Needs attention");
  REQUIRE(health.problems.size() == 4);
  CHECK(health.problems[0].code == "missing_scopes");
  CHECK(health.problems[0].what.find("users:read, users:read.email") != std::string::npos);
  CHECK(health.problems[1].code == "token_expired");
  CHECK(health.problems[1].action.find("Re-generate") != std::string::npos);
  CHECK(health.problems[2].code == "link_disabled");
  CHECK(health.problems[2].action.find("Socket Mode") != std::string::npos);
  CHECK(health.problems[3].code == "destination_failing");
  CHECK(health.problems[3].action.find("/invite") != std::string::npos);
  CHECK(bridge::installation_health(healthy(), {}, "auth_failed", {}, 1000).problems[0].code ==
        "app_token_rejected");
}

TEST_CASE("a person can receive DMs when linked, or matched by email unless links are required",
          "[bridge][health]") {
  core::RelayConfig require_link;
  core::RelayConfig email_is_enough;
  email_is_enough.require_recipient_link = false;

  bridge::RecipientCheck nobody;
  nobody.email = "dana@example.com";
  bridge::decide_recipient(nobody, email_is_enough);
  CHECK_FALSE(nobody.can_receive);
  CHECK(nobody.reason_code == "not_in_slack");
  CHECK(nobody.reason.find("dana@example.com") != std::string::npos);

  bridge::RecipientCheck in_slack;
  in_slack.slack_user = store::DirectoryUser{"U2", "bob", ""};
  bridge::decide_recipient(in_slack, email_is_enough);
  CHECK(in_slack.can_receive);
  bridge::decide_recipient(in_slack, require_link);
  CHECK_FALSE(in_slack.can_receive);
  CHECK(in_slack.reason_code == "not_linked");
  CHECK(in_slack.reason.find("require_recipient_link") != std::string::npos);

  in_slack.link = store::Link{"T1", "p-bob", "U2", "bob@example.com", 1, std::nullopt};
  bridge::decide_recipient(in_slack, require_link);
  CHECK(in_slack.can_receive);
  CHECK(in_slack.reason.empty());
  CHECK_FALSE(in_slack.connected());
}
