#include <algorithm>
#include <catch2/catch.hpp>

#include "bridgebot/bridge/connection_test.h"
#include "bridgebot/bridge/key_rotation.h"
#include "bridgebot/bridge/masked_email.h"
#include "bridgebot/bridge/oauth_states.h"
#include "installs_fakes.h"

using namespace bridgebot;
using bridge::InstallationService;

namespace {

// A workspace installed by pasting the bot token "xoxb-plain" (manual setup).
struct ManualInstall {
  test::TempStore temp;
  test::FakeSlack slack;
  core::FakeClock clock;
  InstallationService service{*temp.db, slack, temp.box, clock};

  ManualInstall() {
    slack.add_live("xoxb-plain");
    REQUIRE(service.install_bot_token("xoxb-plain", "acme").ok());
  }
};

}  // namespace

TEST_CASE("Test Connection tells the admin the next step for each failure", "[installs]") {
  CHECK_THAT(bridge::admin_action_for("token_expired"), Catch::Contains("Re-generate token"));
  CHECK_THAT(bridge::admin_action_for("invalid_auth"), Catch::Contains("Reinstall"));
  CHECK_THAT(bridge::admin_action_for("token_revoked"), Catch::Contains("Reinstall"));
  CHECK_THAT(bridge::admin_action_for("missing_scopes"), Catch::Contains("Bot Token Scopes"));
  CHECK_THAT(bridge::admin_action_for("link_disabled"), Catch::Contains("Socket Mode on"));
  CHECK_THAT(bridge::admin_action_for("tls_failed"), Catch::Contains("certificate"));
  CHECK_THAT(bridge::admin_action_for("connect_failed"), Catch::Contains("could not be reached"));
}

TEST_CASE(
    "Test Connection fails on missing scopes, a disabled Socket Mode link or a refused "
    "app token",
    "[installs]") {
  test::FakeSlack slack;
  slack.add_live("xoxb-t");
  slack.scopes = {"users:read", "chat:write"};
  auto missing = bridge::test_connection(slack, {"", "xoxb-t"}, "connected");
  CHECK_FALSE(missing.ok);
  CHECK(missing.error == "missing_scopes");
  CHECK(missing.missing_scopes == std::vector<std::string>{"users:read.email"});
  slack.scopes = {"users:read", "users:read.email", "chat:write"};
  auto disabled = bridge::test_connection(slack, {"", "xoxb-t"}, "link_disabled");
  CHECK_FALSE(disabled.ok);
  CHECK(disabled.error == "link_disabled");
  auto refused = bridge::test_connection(slack, {"", "xoxb-t"}, "auth_failed");
  CHECK_FALSE(refused.ok);
  CHECK(refused.error == "app_token_rejected");
  CHECK_THAT(refused.action, Catch::Contains("slack.app_token"));
  CHECK(bridge::test_connection(slack, {"", "xoxb-t"}, "connected").ok);
  CHECK(bridge::test_connection(slack, {"", "xoxb-t"}, "connecting").ok);  // it may yet connect
}

TEST_CASE("a failing notification destination fails Test Connection with what to do",
          "[installs]") {
  CHECK_THAT(bridge::destination_action("channel:C1", "not_in_channel"),
             Catch::Contains("/invite"));
  CHECK_THAT(bridge::destination_action("channel:C1", "is_archived"), Catch::Contains("unarchive"));
  CHECK_THAT(bridge::destination_action("webhook:ab12", "channel_not_found"),
             Catch::Contains("create a new one"));
  CHECK_THAT(bridge::destination_action("default", "webhook_gone"),
             Catch::Contains("incoming webhook no longer works"));
  CHECK_THAT(bridge::destination_action("channel:C1", "channel_not_found"),
             Catch::Contains("check the channel id"));
  CHECK_THAT(bridge::destination_action("default", "no_default_destination"),
             Catch::Contains("notification_channel"));

  bridge::ConnectionReport report;
  report.ok = true;
  bridge::add_destination_problems(
      report, {{"webhook:ab12", "webhook_gone", 3}, {"channel:C1", "not_in_channel", 1}});
  CHECK_FALSE(report.ok);
  CHECK(report.error == "destination_failing");
  CHECK_THAT(report.message, Catch::Contains("webhook:ab12 fail with webhook_gone (3 since"));
  REQUIRE(report.failing_destinations.size() == 2);
  CHECK_THAT(report.failing_destinations[1].action, Catch::Contains("/invite"));

  bridge::ConnectionReport expired;
  expired.error = "token_expired";  // a dead token stays the headline
  bridge::add_destination_problems(expired, {{"channel:C1", "not_in_channel", 1}});
  CHECK(expired.error == "token_expired");
  CHECK(expired.failing_destinations.size() == 1);

  bridge::ConnectionReport clean;
  clean.ok = true;
  bridge::add_destination_problems(clean, {});
  CHECK(clean.ok);
}

TEST_CASE("a masked email is recognisable but not readable", "[installs]") {
  CHECK(bridge::mask_email("alice.smith@example.com") == "a***h@e***.com");
  CHECK(bridge::mask_email("bo@x.io") == "b*@x***.io");
  CHECK(bridge::mask_email("") == "(none)");
}

TEST_CASE("an OAuth state works once, for its own flow, within ten minutes", "[installs][oauth]") {
  test::TempStore temp;
  core::FakeClock clock;
  bridge::OAuthStates states{*temp.db, temp.box, clock};
  using bridge::OAuthFlow;

  const std::string token = states.issue({OAuthFlow::install, {}, {}, {}, {}}).value();
  CHECK(states.consume(token, {OAuthFlow::connect}).error().code == "invalid_state");
  REQUIRE(states.consume(token, {OAuthFlow::install}).ok());
  CHECK(states.consume(token, {OAuthFlow::install}).error().code == "reused_state");

  std::string tampered = states.issue({OAuthFlow::install, {}, {}, {}, {}}).value();
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  CHECK(states.consume(tampered, {OAuthFlow::install}).error().code == "invalid_state");

  const std::string later =
      states.issue({OAuthFlow::connect, "T0001", "p-1", "a@b.c", "https://x"}).value();
  clock.advance(std::chrono::minutes(11));
  CHECK(states.consume(later, {OAuthFlow::connect}).error().code == "expired_state");
}

TEST_CASE("Disconnect purges even when Slack cannot revoke the token, and says so",
          "[installs][disconnect]") {
  ManualInstall m;
  auto& [temp, slack, clock, service] = m;
  REQUIRE(temp.db->put_link({"T0001", "p-1", "U0001", "a@example.com", 1, std::nullopt}).ok());
  test::connect(service, slack, "carol", "U0003", "xoxp-carol");
  slack.fail_revoke = "connect_failed";

  auto outcome = service.disconnect("T0001");
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->token_revoked);
  CHECK_THAT(outcome->revoke_error, Catch::Contains("connect_failed"));
  CHECK(outcome->user_tokens == 1);
  CHECK(outcome->user_tokens_revoked == 0);
  CHECK(slack.revokes == 1);  // Slack is unreachable: no second try per user
  CHECK(outcome->purged.links == 2);
  CHECK_FALSE(service.active("T0001").ok());
  CHECK_FALSE(temp.db->get_link("T0001", "p-1").value().has_value());
}

TEST_CASE("Disconnect revokes the bot token and every personal Connect token of the workspace",
          "[installs][disconnect]") {
  ManualInstall m;
  auto& [temp, slack, clock, service] = m;
  test::connect(service, slack, "alice", "U0001", "xoxp-alice");
  test::connect(service, slack, "carol", "U0003", "xoxp-carol");
  REQUIRE(temp.db->put_link({"T0001", "bob", "U0002", "bob@example.com", 1, std::nullopt}).ok());

  auto outcome = service.disconnect("T0001");
  REQUIRE(outcome.ok());
  CHECK(outcome->token_revoked);
  CHECK(outcome->user_tokens == 2);
  CHECK(outcome->user_tokens_revoked == 2);
  auto revoked = slack.revoked();
  std::sort(revoked.begin(), revoked.end());
  CHECK(revoked == std::vector<std::string>{"xoxb-plain", "xoxp-alice", "xoxp-carol"});
  CHECK(outcome->purged.links == 3);
  CHECK(temp.db->links_of_team("T0001").value().empty());
}

TEST_CASE("rotate-key re-seals bot, refresh and personal Connect tokens under the new key",
          "[installs][keys]") {
  test::TempStore temp;
  test::FakeSlack slack;
  core::FakeClock clock;
  const std::string old_key = core::random_bytes(32);
  const std::string new_key = core::random_bytes(32);
  const core::SecretBox old_box{old_key};
  InstallationService before{*temp.db, slack, old_box, clock};
  test::install_rotating(before, *temp.db, slack, 99'999);
  test::connect(before, slack, "alice", "U0001", "xoxp-alice");
  REQUIRE(temp.db->put_link({"T0001", "bob", "U0002", "bob@example.com", 1, std::nullopt}).ok());

  const core::SecretBox unrelated{core::random_bytes(32)};
  auto refused = bridge::reseal_stored_secrets(*temp.db, unrelated);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "wrong_key");
  CHECK_THAT(refused.error().message, Catch::StartsWith("T0001: "));

  const core::SecretBox rotating{new_key, {old_key}};
  auto counts = bridge::reseal_stored_secrets(*temp.db, rotating);
  REQUIRE(counts.ok());
  CHECK(counts->installations == 1);
  CHECK(counts->links == 1);    // bob's email-only link holds no secret
  CHECK(counts->secrets == 3);  // bot token, refresh token, alice's user token
  CHECK(bridge::reseal_stored_secrets(*temp.db, rotating)->secrets == 0);

  // The old key can now be thrown away: everything opens with the new key alone.
  const core::SecretBox new_only{new_key};
  InstallationService after{*temp.db, slack, new_only, clock};
  CHECK(after.active("T0001")->bot_token == "xoxe.xoxb-1-original");
  CHECK(after.connected_user_token("T0001", "alice").value() == "xoxp-alice");
}

TEST_CASE("Edit refuses a domain of another workspace and a notification_channel that is no id",
          "[installs][edit]") {
  ManualInstall m;
  auto& [temp, slack, clock, service] = m;

  bridge::InstallationEdit other;
  other.workspace_domain = "globex";
  CHECK(service.edit("T0001", other).error().code == "domain_mismatch");
  bridge::InstallationEdit channel;
  channel.notification_channel = "#alerts";
  CHECK(service.edit("T0001", channel).error().code == "invalid_field");

  bridge::InstallationEdit good;
  good.workspace_domain = "https://ACME.slack.com/";
  good.notification_channel = "C0123456";
  good.sender_identity = false;
  auto edited = service.edit("T0001", good);
  REQUIRE(edited.ok());
  CHECK(edited->notification_channel == "C0123456");
  CHECK_FALSE(edited->sender_identity);
  CHECK(service.active("T0001")->notification_channel == "C0123456");
}

TEST_CASE("Connect refuses a Slack account with another email and keeps no token",
          "[installs][connect]") {
  ManualInstall m;
  auto& [temp, slack, clock, service] = m;
  slack::OAuthAccess access;
  access.team = {"T0001", "Acme"};
  access.authed_user.id = "U0002";
  access.authed_user.access_token = "xoxp-bob";
  slack.user_email = "bob@example.com";

  auto refused = service.connect_user("T0001", "p-alice", "alice@example.com", access);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "email_mismatch");
  CHECK_THAT(refused.error().message, Catch::Contains("b***b@e***.com"));
  CHECK_FALSE(temp.db->get_link("T0001", "p-alice").value().has_value());

  slack.user_email = " Alice@Example.com";
  auto linked = service.connect_user("T0001", "p-alice", "alice@example.com", access);
  REQUIRE(linked.ok());
  CHECK(service.connected_user_token("T0001", "p-alice").value() == "xoxp-bob");
  REQUIRE(service.revoke_user_token("T0001", "p-alice").ok());
  CHECK_FALSE(service.connected_user_token("T0001", "p-alice").value().has_value());
  CHECK(temp.db->get_link("T0001", "p-alice").value().has_value());  // email-only link stays
}
