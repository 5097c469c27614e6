// sources.zendesk and platform.reply_webhook_url in the configuration, and the Zendesk domain
// forms an admin may type.
#include <algorithm>
#include <catch2/catch.hpp>

#include "bridgebot/core/config.h"
#include "bridgebot/core/zendesk_domain.h"

using namespace bridgebot::core;

namespace {

std::string with_sources(const std::string& sources_yaml) {
  return R"(
slack:
  socket_mode: {enabled: false}
platform:
  signing_secret: s3cret-signing
  admin_token: admin-token-1
notifications:
  routes:
    - match: {route: helpdesk}
      to: [{channel: C0123456}]
sources:
  zendesk:
)" + sources_yaml;
}

std::string problems_text(const std::string& yaml) {
  std::vector<ConfigProblem> problems;
  auto config = parse_config(
      yaml, [](const std::string&) { return std::nullopt; }, &problems);
  REQUIRE_FALSE(config.ok());
  std::string text;
  for (const auto& p : problems) text += p.path + ": " + p.message + "\n";
  return text;
}

}  // namespace

TEST_CASE("a Zendesk domain is cut down to its subdomain", "[core][zendesk]") {
  for (const char* typed :
       {"acme", "ACME", " acme.zendesk.com ", "acme.zendesk.com", "https://acme.zendesk.com/",
        "https://acme.zendesk.com/agent/tickets/4", "http://Acme.Zendesk.com?x=1"}) {
    INFO(typed);
    auto domain = normalize_zendesk_domain(typed);
    REQUIRE(domain.ok());
    CHECK(*domain == "acme");
  }
  CHECK(*normalize_zendesk_domain("acme-support2") == "acme-support2");
}

TEST_CASE("anything but a zendesk.com subdomain is refused naming the accepted forms",
          "[core][zendesk]") {
  for (const char* typed : {"", "support.acme.com", "acme.slack.com", "https://support.acme.com/",
                            "-acme", "acme_1", "a.b.zendesk.com", "zendesk.com", ".zendesk.com"}) {
    INFO(typed);
    auto domain = normalize_zendesk_domain(typed);
    REQUIRE_FALSE(domain.ok());
    CHECK(domain.error().code == "invalid_domain");
    CHECK(domain.error().message.find(
              "'acme', 'acme.zendesk.com' or 'https://acme.zendesk.com/'") != std::string::npos);
  }
}

TEST_CASE("sources.zendesk is read with its domain normalised", "[core][config][zendesk]") {
  auto config = parse_config(with_sources(R"(
    - id: support
      domain: https://acme.zendesk.com/agent
      signing_secret: zendesk-secret-1
      route: helpdesk
    - id: billing
      domain: acme-billing
      signing_secret: zendesk-secret-2
      route: helpdesk
      team_id: T0002
)"),
                             [](const std::string&) { return std::nullopt; });
  REQUIRE(config.ok());
  REQUIRE(config->zendesk_sources.size() == 2);
  CHECK(config->zendesk_sources[0].id == "support");
  CHECK(config->zendesk_sources[0].domain == "acme");
  CHECK(config->zendesk_sources[0].route == "helpdesk");
  CHECK(config->zendesk_sources[0].team_id.empty());
  CHECK(config->zendesk_sources[1].domain == "acme-billing");
  CHECK(config->zendesk_sources[1].team_id == "T0002");
  // Signing secrets are redacted from logs like every other secret.
  const auto secrets = config->secrets();
  CHECK(std::count(secrets.begin(), secrets.end(), "zendesk-secret-1") == 1);
}

TEST_CASE("a wrong Zendesk source is refused with its key path", "[core][config][zendesk]") {
  const std::string text = problems_text(with_sources(R"(
    - id: support
      domain: support.acme.com
      signing_secret: zendesk-secret-1
      route: helpdesk
      team: T0001
    - id: support
      domain: acme
      route: helpdesk
)"));
  INFO(text);
  CHECK(text.find("sources.zendesk[0].domain: 'support.acme.com' is not a Zendesk subdomain") !=
        std::string::npos);
  CHECK(text.find("sources.zendesk[0].team") != std::string::npos);  // unknown key
  CHECK(text.find("sources.zendesk[1].signing_secret") != std::string::npos);
  CHECK(text.find("sources.zendesk[1].id: 'support' is used by an earlier source") !=
        std::string::npos);
}

TEST_CASE("platform.reply_webhook_url must be an https URL", "[core][config]") {
  const std::string text = problems_text(R"(
slack:
  socket_mode: {enabled: false}
platform:
  signing_secret: s3cret-signing
  admin_token: admin-token-1
  reply_webhook_url: http://platform.example/replies
)");
  CHECK(text.find("platform.reply_webhook_url: http:// is refused") != std::string::npos);
}
