// The generated app manifest, parsed back with yaml-cpp, and the missing-scope check.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "bridgebot/slack/manifest.h"
#include "bridgebot/slack/scopes.h"

using bridgebot::slack::app_manifest_yaml;
using bridgebot::slack::ManifestOptions;
using bridgebot::slack::missing_scopes;
using Strings = std::vector<std::string>;

namespace {

Strings strings(const YAML::Node& node) {
  return node.as<Strings>();
}

}  // namespace

TEST_CASE("the manifest asks for exactly bridgebot's scopes and events", "[slack][manifest]") {
  ManifestOptions options;
  options.name = "Acme Bridge";
  options.description = "Relays mentions";
  options.redirect_urls = {"https://bridge.acme.test/slack/oauth/callback"};

  auto m = YAML::Load(app_manifest_yaml(options));

  CHECK(m["display_information"]["name"].as<std::string>() == "Acme Bridge");
  CHECK(m["display_information"]["description"].as<std::string>() == "Relays mentions");
  CHECK(m["features"]["bot_user"]["display_name"].as<std::string>() == "Acme Bridge");
  CHECK(m["features"]["bot_user"]["always_online"].as<bool>());
  CHECK(m["features"]["app_home"]["home_tab_enabled"].as<bool>());
  CHECK(m["features"]["app_home"]["messages_tab_enabled"].as<bool>());
  CHECK_FALSE(m["features"]["app_home"]["messages_tab_read_only_enabled"].as<bool>());
  CHECK(strings(m["oauth_config"]["redirect_urls"]) ==
        Strings{"https://bridge.acme.test/slack/oauth/callback"});
  const auto scopes = m["oauth_config"]["scopes"];
  CHECK(strings(scopes["bot"]) == Strings{"users:read", "users:read.email", "chat:write"});
  CHECK(strings(scopes["bot_optional"]) ==
        Strings{"chat:write.customize", "im:write", "incoming-webhook"});
  CHECK(strings(scopes["user_optional"]) == Strings{"chat:write"});
  CHECK_FALSE(scopes["user"].IsDefined());
  const auto settings = m["settings"];
  CHECK(
      strings(settings["event_subscriptions"]["bot_events"]) ==
      Strings{"app_uninstalled", "tokens_revoked", "user_change", "team_join", "app_home_opened"});
  CHECK_FALSE(settings["interactivity"]["is_enabled"].as<bool>());
  CHECK_FALSE(settings["org_deploy_enabled"].as<bool>());
  CHECK(settings["socket_mode_enabled"].as<bool>());
  CHECK_FALSE(settings["token_rotation_enabled"].as<bool>());
}

TEST_CASE("events over HTTP: the manifest names the Request URL and turns Socket Mode off",
          "[slack][manifest]") {
  ManifestOptions options;
  options.request_url = "https://bridge.example.com/slack/events";
  auto settings = YAML::Load(app_manifest_yaml(options))["settings"];
  CHECK(settings["event_subscriptions"]["request_url"].as<std::string>() ==
        "https://bridge.example.com/slack/events");
  CHECK_FALSE(settings["socket_mode_enabled"].as<bool>());
  CHECK_FALSE(YAML::Load(app_manifest_yaml({}))["settings"]["event_subscriptions"]["request_url"]
                  .IsDefined());
}

TEST_CASE("the manifest has only keys Slack's schema knows", "[slack][manifest]") {
  auto m = YAML::Load(app_manifest_yaml({}));
  Strings top;
  for (const auto& item : m) top.push_back(item.first.as<std::string>());
  CHECK(top == Strings{"display_information", "features", "oauth_config", "settings"});
  // No redirect URLs given: the key is left out rather than emitted empty.
  CHECK_FALSE(m["oauth_config"]["redirect_urls"].IsDefined());
  CHECK_FALSE(m["display_information"]["description"].IsDefined());
}

TEST_CASE("manifest names and descriptions are cut to Slack's limits", "[slack][manifest]") {
  ManifestOptions options;
  options.name = std::string(50, 'n');
  options.description = std::string(200, 'd');
  options.bot_display_name = "Bot: \"quoted\" # not a comment";

  auto m = YAML::Load(app_manifest_yaml(options));

  auto name = m["display_information"]["name"].as<std::string>();
  CHECK(name == std::string(34, 'n') + "…");
  auto description = m["display_information"]["description"].as<std::string>();
  CHECK(description == std::string(139, 'd') + "…");
  CHECK(m["features"]["bot_user"]["display_name"].as<std::string>() ==
        "Bot: \"quoted\" # not a comment");
}

TEST_CASE("missing_scopes names every required scope not granted", "[slack][scopes]") {
  CHECK(missing_scopes({"users:read", "users:read.email", "chat:write", "im:write"}).empty());
  CHECK(missing_scopes({"chat:write"}) == Strings{"users:read", "users:read.email"});
  CHECK(missing_scopes({}) == Strings{"users:read", "users:read.email", "chat:write"});
  // Optional scopes do not count as missing.
  CHECK(missing_scopes({"users:read", "users:read.email", "chat:write"}).empty());
}

TEST_CASE("with replies on, the manifest and the scope check add message.im and im:history",
          "[slack][manifest][replies]") {
  ManifestOptions options;
  auto off = YAML::Load(app_manifest_yaml(options));
  options.replies = true;
  auto on = YAML::Load(app_manifest_yaml(options));
  auto has = [](const Strings& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  const auto off_events = strings(off["settings"]["event_subscriptions"]["bot_events"]);
  const auto on_events = strings(on["settings"]["event_subscriptions"]["bot_events"]);
  CHECK_FALSE(has(off_events, "message.im"));
  CHECK(has(on_events, "message.im"));
  CHECK(on_events.size() == off_events.size() + 1);
  CHECK_FALSE(has(strings(off["oauth_config"]["scopes"]["bot"]), "im:history"));
  CHECK(has(strings(on["oauth_config"]["scopes"]["bot"]), "im:history"));

  const Strings granted = {"users:read", "users:read.email", "chat:write"};
  CHECK(missing_scopes(granted).empty());
  CHECK(missing_scopes(granted, true) == Strings{"im:history"});
}
