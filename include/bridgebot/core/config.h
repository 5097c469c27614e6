// bridgebot's configuration (see ../shared/design/config.md and config/bridgebot.example.yaml).
// Loading reports every problem at once, each with its key path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridgebot/core/result.h"

namespace bridgebot::core {

struct OAuthConfig {
  std::string client_id;
  std::string client_secret;
  std::string redirect_url;
  std::vector<std::string> extra_scopes;
};

struct SlackConfig {
  std::string app_token;
  std::string bot_token;
  std::string workspace_domain;
  std::string api_base_url = "https://slack.com/api/";
  std::string oauth_base_url = "https://slack.com/oauth/v2/authorize";
  bool socket_mode_enabled = true;
  int socket_mode_connections = 2;
  // slack.events.mode: "socket" (events over Socket Mode) or "http" (Slack POSTs them to
  // /slack/events, verified with signing_secret; no Socket Mode connection is opened).
  std::string events_mode = "socket";
  std::string signing_secret;  // slack.signing_secret: required with events_mode "http"
  // slack.rate_limits: Slack publishes no workspace-wide chat.postMessage limit ("several hundred
  // per minute"); 300 stays inside it.
  int post_message_per_workspace_per_minute = 300;
  std::optional<OAuthConfig> oauth;
  std::string tls_ca_file;
  bool tls_allow_plaintext = false;
};

// Whether this configuration opens Socket Mode connections.
inline bool uses_socket_mode(const SlackConfig& slack) {
  return slack.socket_mode_enabled && slack.events_mode == "socket";
}

struct PlatformConfig {
  std::string listen = "127.0.0.1:8080";
  std::string signing_secret;
  std::string admin_token;
  std::size_t max_body_bytes = 262144;
  // Slack users' replies to bridged DMs are POSTed here (v2-signed); empty: replies are off.
  std::string reply_webhook_url;
  // v1 signatures (timestamp + body only) on POST /v1/messages and /v1/notifications.
  bool accept_v1_signatures = true;
  // Exact origins (scheme://host[:port]) personal Connect may send the browser back to. Empty:
  // no return_to is accepted.
  std::vector<std::string> return_to_origins;
};

struct RelayConfig {
  bool require_recipient_link = true;
  bool copy_to_sender = true;
};

// One destination of a notification route: exactly one of the three is set.
struct RouteDestination {
  std::string channel;
  std::string webhook;
  bool use_default = false;
};

struct NotificationRoute {
  std::vector<std::string> match_routes;      // empty: any route
  std::vector<std::string> match_severities;  // empty: any severity
  std::vector<RouteDestination> to;
};

// One Zendesk webhook posting to /v1/sources/zendesk/{id} (sources.zendesk).
struct ZendeskSource {
  std::string id;
  std::string domain;  // the subdomain only ("acme" for acme.zendesk.com), normalised at load
  std::string signing_secret;
  std::string route;    // the notification route its tickets take
  std::string team_id;  // empty: the only installed workspace
};

// `url` with every password replaced by ***, for output: the one of its user:password@ part and
// the values of ?password= and ?sslpassword=.
std::string without_password(const std::string& url);

struct Config {
  SlackConfig slack;
  PlatformConfig platform;
  RelayConfig relay;
  std::vector<NotificationRoute> routes;
  std::vector<ZendeskSource> zendesk_sources;
  std::string store_url = "sqlite:bridgebot.db";
  // Accepted messages/notifications whose delivery finished are deleted after this many days
  // (their ids then count as new); 0 keeps them forever and the store grows without bound.
  int store_retention_days = 30;
  std::string encryption_key;
  std::string log_level = "info";
  std::string log_format = "text";

  // Every secret value in the configuration, for log redaction.
  std::vector<std::string> secrets() const;
  // store.url names a PostgreSQL database (postgresql:// or postgres://).
  bool store_is_postgres() const;
};

// One problem found while loading: the key path ("slack.socket_mode.connections") and a sentence.
struct ConfigProblem {
  std::string path;
  std::string message;
};

// Looks up an environment variable; returns nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

// Parses YAML text. On failure the Error's message lists every problem, one per line, and
// `problems` (when given) receives them as structured values.
Result<Config> parse_config(const std::string& yaml_text, const EnvLookup& env,
                            std::vector<ConfigProblem>* problems = nullptr);
Result<Config> load_config_file(const std::string& path, const EnvLookup& env,
                                std::vector<ConfigProblem>* problems = nullptr);

// Replaces ${NAME} and ${NAME:-default} in `text`; unset names without default become problems.
std::string expand_environment(const std::string& text, const EnvLookup& env,
                               std::vector<std::string>& unset_names);

}  // namespace bridgebot::core
