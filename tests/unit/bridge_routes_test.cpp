#include <catch2/catch.hpp>

#include "bridgebot/bridge/routes.h"
#include "bridgebot/bridge/workspace_domain.h"

using namespace bridgebot;

namespace {

core::NotificationRoute route(std::vector<std::string> names, std::vector<std::string> severities,
                              std::vector<core::RouteDestination> to) {
  return core::NotificationRoute{std::move(names), std::move(severities), std::move(to)};
}
core::RouteDestination channel(std::string id) {
  return {std::move(id), "", false};
}
core::RouteDestination webhook(std::string url) {
  return {"", std::move(url), false};
}

bridge::PlatformNotification notification(std::string route_name, std::string severity) {
  bridge::PlatformNotification n;
  n.id = "evt-1";
  n.route = std::move(route_name);
  n.severity = std::move(severity);
  return n;
}

}  // namespace

TEST_CASE("routes match on route name and severity, each destination once", "[bridge][routes]") {
  const std::vector<core::NotificationRoute> routes = {
      route({"helpdesk"}, {}, {channel("C1")}),
      route({}, {"critical"}, {webhook("https://hooks.example/a"), channel("C1")}),
      route({"billing", "sales"}, {"warning", "critical"}, {channel("C2")}),
  };
  auto helpdesk_info = bridge::match_routes(routes, notification("helpdesk", "info"));
  REQUIRE(helpdesk_info.size() == 1);
  CHECK(helpdesk_info[0].channel == "C1");

  auto helpdesk_critical = bridge::match_routes(routes, notification("helpdesk", "critical"));
  REQUIRE(helpdesk_critical.size() == 2);  // C1 once, plus the webhook
  CHECK(helpdesk_critical[0].channel == "C1");
  CHECK(helpdesk_critical[1].webhook == "https://hooks.example/a");

  CHECK(bridge::match_routes(routes, notification("sales", "info")).empty());
  CHECK(bridge::match_routes(routes, notification("sales", "warning")).size() == 1);
  CHECK(bridge::match_routes(routes, notification("unknown", "info")).empty());
}

TEST_CASE("destination keys never contain a webhook URL", "[bridge][routes]") {
  auto key = bridge::destination_key(webhook("https://hooks.slack.com/services/T1/B1/secret"));
  CHECK(key.rfind("webhook:", 0) == 0);
  CHECK(key.find("secret") == std::string::npos);
  CHECK(bridge::destination_key(channel("C9")) == "channel:C9");
  CHECK(bridge::destination_key({"", "", true}) == "default");
}

TEST_CASE("workspace domains are accepted in the forms admins type", "[bridge][domain]") {
  for (const char* text : {"acme", "acme.slack.com", "https://acme.slack.com/",
                           "ACME.slack.com/home", " http://Acme.Slack.com ", "acme.slack.com/"}) {
    INFO(text);
    auto domain = bridge::normalize_workspace_domain(text);
    REQUIRE(domain.ok());
    CHECK(*domain == "acme");
  }
  CHECK(*bridge::normalize_workspace_domain("my-team-42") == "my-team-42");
}

TEST_CASE("anything else is refused with what is accepted", "[bridge][domain]") {
  for (const char* text : {"", "acme.example.com", "-acme", "ac_me", "https://",
                           "a-very-long-workspace-name-indeed", "acme.slack.com.evil.com"}) {
    INFO(text);
    auto domain = bridge::normalize_workspace_domain(text);
    REQUIRE_FALSE(domain.ok());
    CHECK(domain.error().code == "invalid_domain");
    CHECK(domain.error().message.find("acme.slack.com") != std::string::npos);
  }
}
