#include "bridgebot/core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "bridgebot/core/zendesk_domain.h"
#include "config_reader.h"

namespace bridgebot::core {
namespace {

const std::vector<std::string> kSeverities = {"info", "warning", "critical"};

void read_slack(ConfigReader& r, const YAML::Node& node, SlackConfig& slack) {
  r.check_keys(node, "slack",
               {"app_token", "bot_token", "workspace_domain", "api_base_url", "oauth_base_url",
                "socket_mode", "events", "signing_secret", "rate_limits", "oauth", "tls"});
  r.read_string(node["app_token"], "slack.app_token", slack.app_token);
  r.read_string(node["bot_token"], "slack.bot_token", slack.bot_token);
  r.read_string(node["workspace_domain"], "slack.workspace_domain", slack.workspace_domain);
  r.read_string(node["api_base_url"], "slack.api_base_url", slack.api_base_url);
  r.read_string(node["oauth_base_url"], "slack.oauth_base_url", slack.oauth_base_url);

  const YAML::Node socket = node["socket_mode"];
  if (r.is_map(socket, "slack.socket_mode")) {
    r.check_keys(socket, "slack.socket_mode", {"enabled", "connections"});
    r.read_bool(socket["enabled"], "slack.socket_mode.enabled", slack.socket_mode_enabled);
    r.read_int(socket["connections"], "slack.socket_mode.connections", 1, 10,
               slack.socket_mode_connections);
  }
  const YAML::Node events = node["events"];
  if (r.is_map(events, "slack.events")) {
    r.check_keys(events, "slack.events", {"mode"});
    r.read_string(events["mode"], "slack.events.mode", slack.events_mode);
  }
  r.read_string(node["signing_secret"], "slack.signing_secret", slack.signing_secret);
  const YAML::Node limits = node["rate_limits"];
  if (r.is_map(limits, "slack.rate_limits")) {
    r.check_keys(limits, "slack.rate_limits", {"post_message_per_workspace_per_minute"});
    // Up to 100 a second: far above anything Slack allows, low enough to stay a real pace.
    r.read_int(limits["post_message_per_workspace_per_minute"],
               "slack.rate_limits.post_message_per_workspace_per_minute", 1, 6000,
               slack.post_message_per_workspace_per_minute);
  }
  const YAML::Node oauth = node["oauth"];
  if (r.is_map(oauth, "slack.oauth")) {
    r.check_keys(oauth, "slack.oauth",
                 {"client_id", "client_secret", "redirect_url", "extra_scopes"});
    OAuthConfig o;
    r.read_string(oauth["client_id"], "slack.oauth.client_id", o.client_id, Required::yes);
    r.read_string(oauth["client_secret"], "slack.oauth.client_secret", o.client_secret,
                  Required::yes);
    r.read_string(oauth["redirect_url"], "slack.oauth.redirect_url", o.redirect_url, Required::yes);
    r.read_string_list(oauth["extra_scopes"], "slack.oauth.extra_scopes", o.extra_scopes);
    slack.oauth = std::move(o);
  }
  const YAML::Node tls = node["tls"];
  if (r.is_map(tls, "slack.tls")) {
    r.check_keys(tls, "slack.tls", {"ca_file", "allow_plaintext"});
    r.read_string(tls["ca_file"], "slack.tls.ca_file", slack.tls_ca_file);
    r.read_bool(tls["allow_plaintext"], "slack.tls.allow_plaintext", slack.tls_allow_plaintext);
  }
}

void read_platform(ConfigReader& r, const YAML::Node& node, PlatformConfig& platform) {
  r.check_keys(node, "platform",
               {"listen", "signing_secret", "admin_token", "max_body_bytes", "reply_webhook_url",
                "accept_v1_signatures", "return_to_origins"});
  r.read_string(node["listen"], "platform.listen", platform.listen);
  r.read_string(node["signing_secret"], "platform.signing_secret", platform.signing_secret,
                Required::yes);
  r.read_string(node["admin_token"], "platform.admin_token", platform.admin_token, Required::yes);
  int max_body = static_cast<int>(platform.max_body_bytes);
  r.read_int(node["max_body_bytes"], "platform.max_body_bytes", 1024, 64 * 1024 * 1024, max_body);
  platform.max_body_bytes = static_cast<std::size_t>(max_body);
  r.read_string(node["reply_webhook_url"], "platform.reply_webhook_url",
                platform.reply_webhook_url);
  r.read_bool(node["accept_v1_signatures"], "platform.accept_v1_signatures",
              platform.accept_v1_signatures);
  r.read_string_list(node["return_to_origins"], "platform.return_to_origins",
                     platform.return_to_origins);
  for (std::size_t i = 0; i < platform.return_to_origins.size(); ++i) {
    if (!looks_like_origin(platform.return_to_origins[i])) {
      r.problem("platform.return_to_origins[" + std::to_string(i) + "]",
                "'" + platform.return_to_origins[i] +
                    "' is not an origin: give scheme://host[:port] only, e.g. "
                    "https://platform.example");
    }
  }
}

void read_zendesk_source(ConfigReader& r, const YAML::Node& node, const std::string& path,
                         ZendeskSource& source) {
  r.check_keys(node, path, {"id", "domain", "signing_secret", "route", "team_id"});
  r.read_string(node["id"], path + ".id", source.id, Required::yes);
  r.read_string(node["domain"], path + ".domain", source.domain, Required::yes);
  r.read_string(node["signing_secret"], path + ".signing_secret", source.signing_secret,
                Required::yes);
  r.read_string(node["route"], path + ".route", source.route, Required::yes);
  r.read_string(node["team_id"], path + ".team_id", source.team_id);
  if (source.domain.empty()) return;
  if (auto domain = normalize_zendesk_domain(source.domain); domain.ok()) {
    source.domain = *domain;
  } else {
    r.problem(path + ".domain", domain.error().message);
  }
}

void read_sources(ConfigReader& r, const YAML::Node& node, std::vector<ZendeskSource>& zendesk) {
  r.check_keys(node, "sources", {"zendesk"});
  const YAML::Node list = node["zendesk"];
  if (!list) return;
  if (!list.IsSequence()) {
    r.problem("sources.zendesk", "must be a list of sources ({id, domain, signing_secret, route})");
    return;
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "sources.zendesk[" + std::to_string(i) + "]";
    if (!r.is_map(list[i], path)) continue;
    ZendeskSource source;
    read_zendesk_source(r, list[i], path, source);
    if (!source.id.empty() && !ids.insert(source.id).second) {
      r.problem(path + ".id", "'" + source.id + "' is used by an earlier source: ids must differ");
    }
    zendesk.push_back(std::move(source));
  }
}

void read_route(ConfigReader& r, const YAML::Node& node, const std::string& path,
                NotificationRoute& route) {
  r.check_keys(node, path, {"match", "to"});
  const YAML::Node match = node["match"];
  if (r.is_map(match, path + ".match")) {
    r.check_keys(match, path + ".match", {"route", "severity"});
    r.read_string_or_list(match["route"], path + ".match.route", route.match_routes);
    r.read_string_or_list(match["severity"], path + ".match.severity", route.match_severities);
    for (const auto& severity : route.match_severities) {
      if (std::find(kSeverities.begin(), kSeverities.end(), severity) == kSeverities.end()) {
        r.problem(path + ".match.severity",
                  "'" + severity + "' is not a severity (info, warning or critical)");
      }
    }
  }
  const YAML::Node to = node["to"];
  if (!to || !to.IsSequence() || to.size() == 0) {
    r.problem(path + ".to",
              "must list at least one destination ({channel: C…}, {webhook: URL} "
              "or {default: true})");
    return;
  }
  for (std::size_t i = 0; i < to.size(); ++i) {
    const std::string dest_path = path + ".to[" + std::to_string(i) + "]";
    if (!r.is_map(to[i], dest_path)) continue;
    r.check_keys(to[i], dest_path, {"channel", "webhook", "default"});
    RouteDestination dest;
    r.read_string(to[i]["channel"], dest_path + ".channel", dest.channel);
    r.read_string(to[i]["webhook"], dest_path + ".webhook", dest.webhook);
    r.read_bool(to[i]["default"], dest_path + ".default", dest.use_default);
    int kinds = !dest.channel.empty() + !dest.webhook.empty() + dest.use_default;
    if (kinds != 1) {
      r.problem(dest_path, "needs exactly one of channel, webhook or default: true");
    }
    route.to.push_back(std::move(dest));
  }
}

void read_notifications(ConfigReader& r, const YAML::Node& node,
                        std::vector<NotificationRoute>& routes) {
  r.check_keys(node, "notifications", {"routes"});
  const YAML::Node list = node["routes"];
  if (!list) return;
  if (!list.IsSequence()) {
    r.problem("notifications.routes", "must be a list of routes");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "notifications.routes[" + std::to_string(i) + "]";
    if (!r.is_map(list[i], path)) continue;
    NotificationRoute route;
    read_route(r, list[i], path, route);
    routes.push_back(std::move(route));
  }
}

void read_enum(ConfigReader& r, const YAML::Node& node, const std::string& path,
               const std::vector<std::string>& allowed, std::string& out) {
  r.read_string(node, path, out);
  if (std::find(allowed.begin(), allowed.end(), out) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
    r.problem(path, "'" + out + "' is not one of " + list);
  }
}

// Checks across keys, once every value is read.
void validate(ConfigReader& r, const Config& c) {
  const SlackConfig& s = c.slack;
  if (s.events_mode != "socket" && s.events_mode != "http") {
    r.problem("slack.events.mode", "'" + s.events_mode +
                                       "' is not one of socket|http (socket: events over Socket "
                                       "Mode; http: Slack POSTs them to /slack/events)");
  }
  if (s.events_mode == "http" && s.signing_secret.empty()) {
    r.problem("slack.signing_secret",
              "is required with slack.events.mode http: it verifies that requests to "
              "/slack/events come from Slack (Basic Information > App Credentials > Signing "
              "Secret)");
  }
  if (uses_socket_mode(s) && s.app_token.empty()) {
    r.problem(
        "slack.app_token",
        "is required while slack.socket_mode.enabled is true (an app-level token xapp-… "
        "with scope connections:write; create it under Basic Information > App-Level Tokens)");
  }
  if (!s.app_token.empty() && s.app_token.rfind("xapp-", 0) != 0) {
    r.problem("slack.app_token", "must be an app-level token starting with xapp-");
  }
  if (!s.bot_token.empty() && s.bot_token.rfind("xoxb-", 0) != 0 &&
      s.bot_token.rfind("xoxe.xoxb-", 0) != 0) {
    r.problem("slack.bot_token",
              "must be a bot token starting with xoxb- (or xoxe.xoxb- when rotating)");
  }
  if (!s.bot_token.empty() && s.workspace_domain.empty()) {
    r.problem("slack.workspace_domain",
              "is required with slack.bot_token (e.g. acme or acme.slack.com)");
  }
  for (const auto& [path, url] : {std::pair{"slack.api_base_url", s.api_base_url},
                                  std::pair{"slack.oauth_base_url", s.oauth_base_url}}) {
    r.check_url(path, url, s.tls_allow_plaintext);
  }
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    for (std::size_t j = 0; j < c.routes[i].to.size(); ++j) {
      const auto& dest = c.routes[i].to[j];
      const std::string path =
          "notifications.routes[" + std::to_string(i) + "].to[" + std::to_string(j) + "]";
      if (!dest.webhook.empty())
        r.check_url(path + ".webhook", dest.webhook, s.tls_allow_plaintext, Shown::never);
      if (!dest.channel.empty() && !looks_like_channel_id(dest.channel)) {
        r.problem(path + ".channel", "'" + dest.channel +
                                         "' is not a channel id (like C0123456; copy it from the "
                                         "channel's details in Slack)");
      }
    }
  }
  if (c.store_url.rfind("sqlite:", 0) != 0 && !c.store_is_postgres()) {
    r.problem("store.url", "must be sqlite:PATH or postgresql://…");
  }
  if (c.store_is_postgres() && c.encryption_key.empty()) {
    r.problem("security.encryption_key",
              "is required with a PostgreSQL store.url: every replica must seal tokens with the "
              "same key, and there is no file beside the database to keep one in (generate one "
              "with: openssl rand -base64 32)");
  }
  if (!c.encryption_key.empty() && !valid_encryption_key(c.encryption_key)) {
    r.problem("security.encryption_key",
              "must be 32 bytes as base64 (44 characters) or hex (64 characters); generate one "
              "with: openssl rand -base64 32");
  }
  if (!c.platform.reply_webhook_url.empty()) {
    r.check_url("platform.reply_webhook_url", c.platform.reply_webhook_url, s.tls_allow_plaintext);
  }
  if (c.platform.listen.find(':') == std::string::npos) {
    r.problem("platform.listen", "must be host:port, e.g. 127.0.0.1:8080");
  }
}

// Reads every section of a mapping at the top level into `config`, noting problems in `r`.
void read_sections(ConfigReader& r, YAML::Node& root, Config& config) {
  r.check_keys(
      root, "",
      {"slack", "platform", "relay", "notifications", "sources", "store", "security", "log"});
  if (r.is_map(root["slack"], "slack")) read_slack(r, root["slack"], config.slack);
  if (r.is_map(root["platform"], "platform", Required::yes)) {
    read_platform(r, root["platform"], config.platform);
  }
  if (r.is_map(root["relay"], "relay")) {
    r.check_keys(root["relay"], "relay", {"require_recipient_link", "copy_to_sender"});
    r.read_bool(root["relay"]["require_recipient_link"], "relay.require_recipient_link",
                config.relay.require_recipient_link);
    r.read_bool(root["relay"]["copy_to_sender"], "relay.copy_to_sender",
                config.relay.copy_to_sender);
  }
  if (r.is_map(root["notifications"], "notifications")) {
    read_notifications(r, root["notifications"], config.routes);
  }
  if (r.is_map(root["sources"], "sources")) {
    read_sources(r, root["sources"], config.zendesk_sources);
  }
  if (r.is_map(root["store"], "store")) {
    r.check_keys(root["store"], "store", {"url", "retention_days"});
    r.read_string(root["store"]["url"], "store.url", config.store_url);
    r.read_int(root["store"]["retention_days"], "store.retention_days", 0, 3650,
               config.store_retention_days);
  }
  if (r.is_map(root["security"], "security")) {
    r.check_keys(root["security"], "security", {"encryption_key"});
    r.read_string(root["security"]["encryption_key"], "security.encryption_key",
                  config.encryption_key);
  }
  if (r.is_map(root["log"], "log")) {
    r.check_keys(root["log"], "log", {"level", "format"});
    read_enum(r, root["log"]["level"], "log.level", {"trace", "debug", "info", "warn", "error"},
              config.log_level);
    read_enum(r, root["log"]["format"], "log.format", {"text", "json"}, config.log_format);
  }
  validate(r, config);
}

}  // namespace

namespace {

using Span = std::pair<std::size_t, std::size_t>;  // [start, end)

// Where passwords are in a URL, in order: the one of "scheme://user:password@host…", and the
// values of the query parameters libpq reads a password from (?password=…, ?sslpassword=…).
std::vector<Span> password_spans(const std::string& url) {
  std::vector<Span> spans;
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return spans;
  const auto at = url.find('@', scheme + 3);
  const auto slash = url.find_first_of("/?", scheme + 3);
  const auto colon = url.find(':', scheme + 3);
  if (at != std::string::npos && (slash == std::string::npos || at < slash) &&
      colon != std::string::npos && colon < at) {
    spans.emplace_back(colon + 1, at);
  }
  const auto query = url.find('?', scheme + 3);
  for (std::size_t start = query; start != std::string::npos && start < url.size();) {
    const auto end = std::min(url.find('&', start + 1), url.size());
    const auto eq = url.find('=', start + 1);
    if (eq != std::string::npos && eq < end) {
      const std::string name = url.substr(start + 1, eq - start - 1);
      if (name == "password" || name == "sslpassword") spans.emplace_back(eq + 1, end);
    }
    start = end;
  }
  return spans;
}

}  // namespace

std::string without_password(const std::string& url) {
  std::string out;
  std::size_t copied = 0;
  for (const auto& [start, end] : password_spans(url)) {
    out += url.substr(copied, start - copied) + "***";
    copied = end;
  }
  return out + url.substr(copied);
}

bool Config::store_is_postgres() const {
  return store_url.rfind("postgresql://", 0) == 0 || store_url.rfind("postgres://", 0) == 0;
}

std::vector<std::string> Config::secrets() const {
  std::vector<std::string> out = {slack.app_token,      slack.bot_token,
                                  slack.signing_secret, platform.signing_secret,
                                  platform.admin_token, encryption_key};
  if (const auto spans = password_spans(store_url); !spans.empty()) {
    out.push_back(store_url);
    for (const auto& [start, end] : spans) out.push_back(store_url.substr(start, end - start));
  }
  if (slack.oauth) out.push_back(slack.oauth->client_secret);
  for (const auto& route : routes) {
    for (const auto& dest : route.to) out.push_back(dest.webhook);
  }
  for (const auto& source : zendesk_sources) out.push_back(source.signing_secret);
  // A webhook URL may carry a credential in its path or query, as Slack's own do.
  out.push_back(platform.reply_webhook_url);
  std::erase_if(out, [](const std::string& s) { return s.size() < 6; });
  return out;
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Config> parse_config(const std::string& yaml_text, const EnvLookup& env,
                            std::vector<ConfigProblem>* problems) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    Error error = make_error("invalid_config", "the file is not valid YAML: line " +
                                                   std::to_string(e.mark.line + 1) + ": " + e.msg);
    if (problems) problems->push_back({"", error.message});
    return error;
  }
  ConfigReader r(env);
  Config config;
  if (!root.IsNull() && !root.IsMap()) {
    r.problem("", "the top level must be a mapping of sections (slack, platform, ...)");
  } else {
    try {
      read_sections(r, root, config);
    } catch (const YAML::Exception& e) {
      // A shape the readers did not foresee: a problem to report, never a crash at start.
      r.problem("", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  if (r.problems().empty()) return config;
  if (problems) *problems = r.problems();
  std::string message = std::to_string(r.problems().size()) + " problem(s) in the configuration:";
  for (const auto& p : r.problems()) {
    message += "\n  " + (p.path.empty() ? std::string("(top level)") : p.path) + ": " + p.message;
  }
  return make_error("invalid_config", message);
}

Result<Config> load_config_file(const std::string& path, const EnvLookup& env,
                                std::vector<ConfigProblem>* problems) {
  std::ifstream in(path);
  if (!in) {
    Error error = make_error("config_not_found", "cannot read the configuration file '" + path +
                                                     "' (does it exist and is it readable?)");
    if (problems) problems->push_back({"", error.message});
    return error;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), env, problems);
}

}  // namespace bridgebot::core
