#include "bridgebot/bridge/connection_test.h"

#include "bridgebot/bridge/sources/zendesk.h"
#include "bridgebot/bridge/workspace_domain.h"
#include "bridgebot/slack/errors.h"
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
      code == "queue_timeout" || code == "connection_closed" || code == "io_error") {
    return "Slack could not be reached: check the network, proxy and firewall, and "
           "slack.api_base_url";
  }
  return "Check the message, fix the cause, and test the connection again";
}

std::string destination_action(std::string_view key, std::string_view reason) {
  const bool may_be_webhook = key.substr(0, 8) == "webhook:" || key == "default";
  if (may_be_webhook && slack::is_dead_webhook(make_error(std::string(reason)))) {
    return "The incoming webhook no longer works: create a new one in Slack and put its URL in "
           "notifications.routes (for the default destination: reinstall with the "
           "incoming-webhook scope, or set notification_channel)";
  }
  if (reason == "not_in_channel") {
    return "Invite the bot to the channel (/invite @the-bot in that channel), or route these "
           "notifications to another channel";
  }
  if (reason == "channel_not_found") {
    return "The bot cannot see that channel: check the channel id in notifications.routes or "
           "notification_channel, and invite the bot if the channel is private";
  }
  if (reason == "is_archived" || reason == "channel_is_archived") {
    return "The channel is archived: unarchive it, or route these notifications elsewhere";
  }
  if (reason == "no_default_destination") {
    return "Give the workspace a default destination: PATCH /v1/installations/{team_id} with "
           "notification_channel, or reinstall with the incoming-webhook scope";
  }
  if (reason == "unknown_destination") {
    return "The destination was removed from notifications.routes while notifications for it "
           "were queued: restore it if that was a mistake";
  }
  if (reason == "restricted_action" || reason == "action_prohibited") {
    return "A workspace setting forbids the bot to post there: ask a Slack admin";
  }
  return admin_action_for(reason);
}

void add_destination_problems(ConnectionReport& report,
                              const std::vector<store::FailingDestination>& failing) {
  for (const auto& destination : failing) {
    report.failing_destinations.push_back(
        {destination, destination_action(destination.destination, destination.reason)});
  }
  if (!report.ok || report.failing_destinations.empty()) return;
  const DestinationProblem& first = report.failing_destinations.front();
  report.ok = false;
  report.error = std::string(kDestinationFailing);
  report.message = "notifications to " + first.destination + " fail with " + first.reason + " (" +
                   std::to_string(first.failed_items) +
                   " since the last one delivered there; the next one delivered clears this)";
  report.action = first.action;
}

void add_source_reports(ConnectionReport& report, std::string_view team_id,
                        const std::vector<core::ZendeskSource>& sources,
                        const std::vector<store::SourceActivity>& activity) {
  for (const auto& source : sources) {
    if (!source.team_id.empty() && source.team_id != team_id) continue;
    SourceReport entry;
    entry.id = source.id;
    entry.domain = source.domain;
    entry.route = source.route;
    const std::string key = sources::zendesk_activity_key(source.id);
    for (const auto& recorded : activity) {
      if (recorded.source_id == key) entry.activity = recorded;
    }
    entry.activity.source_id = key;
    const auto& a = entry.activity;
    // Within one second the event wins: it proves the source works.
    if (a.last_failure_at && (!a.last_event_at || *a.last_failure_at > *a.last_event_at)) {
      entry.status = "failing";
      entry.action = a.last_failure.rfind("invalid_signature", 0) == 0 ||
                             a.last_failure.rfind("stale_timestamp", 0) == 0
                         ? "Compare the webhook's signing secret (Zendesk Admin Center > Apps and "
                           "integrations > Webhooks > the webhook > Signing secret) with "
                           "sources.zendesk signing_secret, and check both clocks"
                         : "See last_failure; the next accepted event clears this";
    } else if (a.last_event_at) {
      entry.status = "receiving";
    } else {
      entry.status = "no_events_yet";
      entry.action = "Point a Zendesk webhook (ticket events) at /v1/sources/zendesk/" + source.id +
                     " and send a test event";
    }
    report.sources.push_back(std::move(entry));
  }
}

std::string how_to_add_scope(std::string_view scope) {
  return "add `" + std::string(scope) +
         "` under OAuth & Permissions > Scopes > Bot Token Scopes (or to the manifest's "
         "oauth_config.scopes.bot), then reinstall the app";
}

ConnectionReport test_connection(slack::SlackApi& slack, const slack::TeamToken& token,
                                 std::string socket_mode, bool replies) {
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
  report.missing_scopes = slack::missing_scopes(auth->scopes, replies);
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
