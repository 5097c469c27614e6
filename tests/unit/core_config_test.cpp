#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "bridgebot/core/config.h"

using namespace bridgebot::core;

namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

const char* kMinimal = R"(
slack:
  app_token: xapp-1-A1-1-abc
platform:
  signing_secret: s3cret-signing
  admin_token: admin-token-1
)";

// Parses and returns the problems as "path: message" lines.
std::vector<std::string> problems_of(const std::string& yaml,
                                     std::map<std::string, std::string> env = {}) {
  std::vector<ConfigProblem> problems;
  auto config = parse_config(yaml, env_of(std::move(env)), &problems);
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == "invalid_config");
  std::vector<std::string> lines;
  for (const auto& p : problems) lines.push_back(p.path + ": " + p.message);
  return lines;
}

bool has_problem(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a minimal configuration gets the documented defaults", "[core][config]") {
  auto config = parse_config(kMinimal, env_of({}));
  REQUIRE(config.ok());
  CHECK(config->slack.api_base_url == "https://slack.com/api/");
  CHECK(config->slack.socket_mode_enabled);
  CHECK(config->slack.socket_mode_connections == 2);
  CHECK(config->platform.listen == "127.0.0.1:8080");
  CHECK(config->platform.max_body_bytes == 262144);
  CHECK(config->relay.require_recipient_link);
  CHECK(config->relay.copy_to_sender);
  CHECK(config->store_url == "sqlite:bridgebot.db");
  CHECK(config->store_retention_days == 30);
  CHECK(config->log_level == "info");
}

TEST_CASE("events over HTTP need the signing secret and no app token", "[core][config]") {
  const std::string http = R"(
slack:
  events:
    mode: http
  signing_secret: slack-signing-secret
platform:
  signing_secret: s3cret-signing
  admin_token: admin-token-1
)";
  auto config = parse_config(http, env_of({}));
  REQUIRE(config.ok());
  CHECK(config->slack.events_mode == "http");
  CHECK_FALSE(uses_socket_mode(config->slack));
  const auto secrets = config->secrets();
  CHECK(std::count(secrets.begin(), secrets.end(), "slack-signing-secret") == 1);

  std::string unsigned_http = http;
  unsigned_http.replace(unsigned_http.find("  signing_secret: slack"),
                        std::string("  signing_secret: slack-signing-secret\n").size(), "");
  CHECK(has_problem(problems_of(unsigned_http), "slack.signing_secret: is required with"));
  std::string other_mode = http;
  other_mode.replace(other_mode.find("mode: http"), 10, "mode: webhook");
  CHECK(has_problem(problems_of(other_mode), "slack.events.mode: 'webhook' is not one of"));
  CHECK(parse_config(kMinimal, env_of({}))->slack.events_mode == "socket");
}

TEST_CASE("environment references are expanded, with defaults", "[core][config]") {
  auto config = parse_config(R"(
slack:
  app_token: ${APP}
  socket_mode: {connections: "${CONNS:-3}"}
platform:
  signing_secret: ${SIGN}
  admin_token: pre-${ADMIN}-post
)",
                             env_of({{"APP", "xapp-1-X"}, {"SIGN", "sig-value"}, {"ADMIN", "a"}}));
  REQUIRE(config.ok());
  CHECK(config->slack.app_token == "xapp-1-X");
  CHECK(config->slack.socket_mode_connections == 3);
  CHECK(config->platform.admin_token == "pre-a-post");
}

TEST_CASE("every problem is reported at once with its key path", "[core][config]") {
  auto lines = problems_of(R"(
slack:
  app_tokn: xapp-1-A
  socket_mode:
    connections: 11
    enabled: maybe
  tls: {allow_plaintext: false}
  api_base_url: http://127.0.0.1:9/api/
platform:
  signing_secret: ${MISSING_SECRET}
  max_body_bytes: lots
relay:
  copy_to_sender: [1, 2]
log:
  level: loud
storage:
  url: x
)");
  CHECK(has_problem(lines, "slack.app_tokn: unknown key; did you mean 'app_token'?"));
  CHECK(has_problem(lines, "slack.socket_mode.connections: must be between 1 and 10, not 11"));
  CHECK(has_problem(lines, "slack.socket_mode.enabled: must be true or false, not 'maybe'"));
  CHECK(has_problem(lines, "slack.api_base_url: http:// is refused"));
  CHECK(has_problem(lines,
                    "platform.signing_secret: environment variable MISSING_SECRET is not set"));
  CHECK(has_problem(lines, "platform.admin_token: is required"));
  CHECK(has_problem(lines, "platform.max_body_bytes: must be a whole number, not 'lots'"));
  CHECK(has_problem(lines, "relay.copy_to_sender: must be a single value"));
  CHECK(has_problem(lines, "log.level: 'loud' is not one of trace|debug|info|warn|error"));
  CHECK(has_problem(lines, "storage: unknown key; did you mean 'store'?"));
  CHECK(has_problem(lines, "slack.app_token: is required while slack.socket_mode.enabled is true"));
  CHECK(lines.size() == 11);
}

TEST_CASE("the workspace-wide chat.postMessage pace is a setting with a sane range",
          "[core][config]") {
  auto defaults = parse_config(kMinimal, env_of({}));
  REQUIRE(defaults.ok());
  CHECK(defaults->slack.post_message_per_workspace_per_minute == 300);

  auto with_limits = [](const std::string& rate_limits) {
    return "slack:\n  app_token: xapp-1-A1-1-abc\n  rate_limits: " + rate_limits +
           "\nplatform:\n  signing_secret: s3cret-signing\n  admin_token: admin-token-1\n";
  };
  auto custom =
      parse_config(with_limits("{post_message_per_workspace_per_minute: 120}"), env_of({}));
  REQUIRE(custom.ok());
  CHECK(custom->slack.post_message_per_workspace_per_minute == 120);

  for (const std::string value : {"0", "6001", "-5"}) {
    INFO(value);
    auto lines = problems_of(with_limits("{post_message_per_workspace_per_minute: " + value + "}"));
    CHECK(has_problem(lines,
                      "slack.rate_limits.post_message_per_workspace_per_minute: must be between "
                      "1 and 6000, not " +
                          value));
  }
  CHECK(has_problem(problems_of(with_limits("{post_message: 10}")),
                    "slack.rate_limits.post_message: unknown key"));
}

TEST_CASE("token kinds, routes, store URL and key are validated", "[core][config]") {
  auto lines = problems_of(R"(
slack:
  app_token: xoxb-not-an-app-token
  bot_token: xapp-1-wrong
platform: {signing_secret: a-secret, admin_token: an-admin}
notifications:
  routes:
    - match: {severity: [fatal]}
      to: [{channel: general}]
    - match: {route: x}
      to: [{channel: C1, webhook: https://hooks.example/x}]
    - match: {route: y}
store: {url: mysql://db, retention_days: -1}
security: {encryption_key: short}
)");
  CHECK(has_problem(lines, "slack.app_token: must be an app-level token starting with xapp-"));
  CHECK(has_problem(lines, "slack.bot_token: must be a bot token starting with xoxb-"));
  CHECK(has_problem(lines, "slack.workspace_domain: is required with slack.bot_token"));
  CHECK(has_problem(lines, "notifications.routes[0].match.severity: 'fatal' is not a severity"));
  CHECK(has_problem(lines, "notifications.routes[0].to[0].channel: 'general' is not a channel id"));
  CHECK(has_problem(lines, "notifications.routes[1].to[0]: needs exactly one of channel, webhook"));
  CHECK(has_problem(lines, "notifications.routes[2].to: must list at least one destination"));
  CHECK(has_problem(lines, "store.url: must be sqlite:PATH or postgresql://"));
  CHECK(has_problem(lines, "store.retention_days"));
  CHECK(has_problem(lines, "security.encryption_key: must be 32 bytes"));
}

TEST_CASE("a PostgreSQL store needs a configured key, and its password is a secret",
          "[core][config]") {
  const std::string base =
      std::string(kMinimal) + "store: {url: \"postgresql://bridge:pg-s3cret-pw@db.internal/bb\"}\n";
  auto lines = problems_of(base);
  CHECK(has_problem(lines, "security.encryption_key: is required with a PostgreSQL store.url"));

  auto config = parse_config(
      base + "security: {encryption_key: \"" + std::string(43, 'A') + "=\"}\n", env_of({}));
  REQUIRE(config.ok());
  CHECK(config->store_is_postgres());
  const auto secrets = config->secrets();
  CHECK(std::find(secrets.begin(), secrets.end(), "pg-s3cret-pw") != secrets.end());
  CHECK(without_password(config->store_url) == "postgresql://bridge:***@db.internal/bb");
  CHECK(without_password("postgresql:///bb?host=/run/pg") == "postgresql:///bb?host=/run/pg");
  CHECK(without_password("sqlite:bridgebot.db") == "sqlite:bridgebot.db");
}

TEST_CASE("routes are read with their match keys and destinations", "[core][config]") {
  auto config = parse_config(std::string(kMinimal) + R"(
notifications:
  routes:
    - match: {route: helpdesk, severity: critical}
      to: [{channel: C0123456}, {webhook: "https://hooks.slack.com/services/T1/B1/x"}]
    - match: {route: [billing, sales]}
      to: [{default: true}]
)",
                             env_of({}));
  REQUIRE(config.ok());
  REQUIRE(config->routes.size() == 2);
  CHECK(config->routes[0].match_routes == std::vector<std::string>{"helpdesk"});
  CHECK(config->routes[0].match_severities == std::vector<std::string>{"critical"});
  CHECK(config->routes[0].to[0].channel == "C0123456");
  CHECK(config->routes[0].to[1].webhook == "https://hooks.slack.com/services/T1/B1/x");
  CHECK(config->routes[1].match_routes == std::vector<std::string>{"billing", "sales"});
  CHECK(config->routes[1].to[0].use_default);
}

TEST_CASE("broken YAML and a missing file are reported plainly", "[core][config]") {
  auto broken = parse_config("slack: [unclosed", env_of({}));
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.find("not valid YAML") != std::string::npos);
  auto missing = load_config_file("/nonexistent/bridgebot.yaml", env_of({}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "config_not_found");
}

TEST_CASE("a list or mapping used as a key is a problem with its line, not a crash",
          "[core][config]") {
  // Found by tests/fuzz/fuzz_config: yaml-cpp threw out of parse_config and ended the process.
  std::vector<ConfigProblem> problems;
  auto config = parse_config(
      "platform: {signing_secret: s3cret-1, admin_token: admin-1}\n"
      "relay:\n  [copy_to_sender]: true\n",
      env_of({}), &problems);
  REQUIRE_FALSE(config.ok());
  CHECK(std::count_if(problems.begin(), problems.end(), [](const ConfigProblem& p) {
          return p.path == "relay" &&
                 p.message == "a key must be a plain name, not a list or mapping (line 3)";
        }) == 1);
}

TEST_CASE("secrets lists every secret value for redaction", "[core][config]") {
  auto config = parse_config(kMinimal, env_of({}));
  REQUIRE(config.ok());
  auto secrets = config->secrets();
  CHECK(std::find(secrets.begin(), secrets.end(), "s3cret-signing") != secrets.end());
  CHECK(std::find(secrets.begin(), secrets.end(), "admin-token-1") != secrets.end());
  CHECK(std::find(secrets.begin(), secrets.end(), "xapp-1-A1-1-abc") != secrets.end());
}

TEST_CASE("the shipped example configuration is valid", "[core][config]") {
  auto config =
      load_config_file(std::string(BRIDGEBOT_SOURCE_DIR) + "/config/bridgebot.example.yaml",
                       env_of({{"SLACK_APP_TOKEN", "xapp-1-A-1-x"},
                               {"BRIDGE_SIGNING_SECRET", "sig"},
                               {"BRIDGE_ADMIN_TOKEN", "adm"}}));
  INFO((config.ok() ? "" : config.error().message));
  REQUIRE(config.ok());
  CHECK(config->routes.size() == 2);
}

TEST_CASE("v1 signatures and return_to origins are configured under platform", "[core][config]") {
  auto defaults = parse_config(kMinimal, env_of({}));
  REQUIRE(defaults.ok());
  CHECK(defaults->platform.accept_v1_signatures);
  CHECK(defaults->platform.return_to_origins.empty());

  auto config = parse_config(std::string(kMinimal) + R"(  accept_v1_signatures: false
  return_to_origins: [https://platform.example, "http://localhost:3000"]
)",
                             env_of({}));
  REQUIRE(config.ok());
  CHECK_FALSE(config->platform.accept_v1_signatures);
  CHECK(config->platform.return_to_origins ==
        std::vector<std::string>{"https://platform.example", "http://localhost:3000"});

  auto lines = problems_of(std::string(kMinimal) + R"(  accept_v1_signatures: sometimes
  return_to_origins: [https://platform.example/done, "ftp://files.example", "https://a.example"]
  return_to_origin: [https://platform.example]
)");
  CHECK(has_problem(lines, "platform.accept_v1_signatures: must be true or false"));
  CHECK(has_problem(lines,
                    "platform.return_to_origins[0]: 'https://platform.example/done' is not "
                    "an origin"));
  CHECK(has_problem(lines, "platform.return_to_origins[1]"));
  CHECK_FALSE(has_problem(lines, "platform.return_to_origins[2]"));
  CHECK(has_problem(lines,
                    "platform.return_to_origin: unknown key; did you mean "
                    "'return_to_origins'?"));
}

TEST_CASE("a password in the store URL's query is masked and redacted too", "[core][config]") {
  const std::string url = "postgresql://bridge@db.internal/bb?sslmode=require&password=pg-query-pw";
  CHECK(without_password(url) == "postgresql://bridge@db.internal/bb?sslmode=require&password=***");
  CHECK(without_password("postgresql://u:first-pw@h/bb?password=second-pw&sslpassword=third-pw") ==
        "postgresql://u:***@h/bb?password=***&sslpassword=***");
  CHECK(without_password("postgresql://h/bb?passwordless=1") == "postgresql://h/bb?passwordless=1");
  auto config =
      parse_config(std::string(kMinimal) + "store: {url: \"" + url +
                       "\"}\nsecurity: {encryption_key: \"" + std::string(43, 'A') + "=\"}\n",
                   env_of({}));
  REQUIRE(config.ok());
  const auto secrets = config->secrets();
  CHECK(std::find(secrets.begin(), secrets.end(), "pg-query-pw") != secrets.end());
}

TEST_CASE("a problem with a webhook URL never quotes the URL", "[core][config]") {
  auto lines = problems_of(std::string(kMinimal) + R"(notifications:
  routes:
    - match: {route: x}
      to: [{webhook: "hooks.slack.com/services/T0/B0/hook-s3cret"}]
)");
  CHECK(
      has_problem(lines, "notifications.routes[0].to[0].webhook: the URL must be an https:// URL"));
  for (const auto& line : lines) CHECK(line.find("hook-s3cret") == std::string::npos);
}
