#include "bridgebot/bridge/connection_test.h"

#include "bridgebot/bridge/workspace_domain.h"
#include "bridgebot/slack/scopes.h"

namespace bridgebot::bridge {

std::string admin_action_for(std::string_view code) {
  if (code == "token_expired") {
    return "Re-generate token: POST /v1/installations/{team_id}/rotate or `bridgebot "
           "installations rotate`; a token that does not rotate must be pasted again";
  }
  if (code == "invalid_auth" || code == "not_authed" || code == "token_revoked" ||
      code == "account_inactive") {
    return "Reinstall the app (Add to Slack), or paste a new bot token from OAuth & Permissions";
  }
  if (code == "missing_scopes") {
    return "Add the missing scopes under OAuth & Permissions > Bot Token Scopes, then reinstall "
           "the app";
  }
  if (code == kSocketModeLinkDisabled) {
    return "Turn Socket Mode on in the app's settings (Settings > Socket Mode)";
  }
  if (code == kAppTokenRejected) {
    return "Generate an app-level token with the connections:write scope (Basic Information > "
           "App-Level Tokens), set it as slack.app_token and restart bridgebot";
  }
  if (code == "team_disabled") {
    return "The Slack workspace is disabled: ask its owner, or disconnect it";
  }
  if (code == "tls_failed") {
    return "Slack's TLS certificate could not be verified: check the system CA store, a proxy "
           "that intercepts TLS, or slack.tls.ca_file";
  }
  if (code == "dns_failed" || code == "connect_failed" || code == "timeout" ||
      code == "connection_closed" || code == "io_error") {
    return "Slack could not be reached: check the network, proxy and firewall, and "
           "slack.api_base_url";
  }
  return "Check the message, fix the cause, and test the connection again";
}

std::string how_to_add_scope(std::string_view scope) {
  return "add `" + std::string(scope) +
         "` under OAuth & Permissions > Scopes > Bot Token Scopes (or to the manifest's "
         "oauth_config.scopes.bot), then reinstall the app";
}

ConnectionReport test_connection(slack::SlackApi& slack, const slack::TeamToken& token,
                                 std::string socket_mode) {
  ConnectionReport report;
  report.team_id = token.team_id;
  report.socket_mode = std::move(socket_mode);
  auto fail = [&](std::string code, std::string message) {
    report.ok = false;
    report.action = admin_action_for(code);
    report.error = std::move(code);
    report.message = std::move(message);
    return report;
  };
  auto auth = slack.auth_test(token);
  if (!auth.ok()) return fail(auth.error().code, auth.error().message);
  report.team_id = auth->team_id;
  report.team_name = auth->team;
  auto domain = normalize_workspace_domain(auth->url);
  report.domain = domain.ok() ? *domain : auth->url;
  report.bot_user_id = auth->user_id;
  report.bot_user_name = auth->user;
  report.scopes = auth->scopes;
  report.missing_scopes = slack::missing_scopes(auth->scopes);
  if (!report.missing_scopes.empty()) {
    std::string list;
    for (const auto& scope : report.missing_scopes) list += (list.empty() ? "" : ", ") + scope;
    return fail("missing_scopes", "the token lacks " + list);
  }
  if (report.socket_mode == kSocketModeLinkDisabled) {
    return fail(std::string(kSocketModeLinkDisabled),
                "Slack closed Socket Mode for this app (link_disabled)");
  }
  if (report.socket_mode == kSocketModeAuthFailed) {
    return fail(std::string(kAppTokenRejected),
                "Slack refused the app-level token, so no Socket Mode connection can open and "
                "no event (uninstall, user changes) reaches the bot");
  }
  report.ok = true;
  return report;
}

}  // namespace bridgebot::bridge
