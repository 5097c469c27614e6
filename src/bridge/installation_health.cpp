#include "bridgebot/bridge/installation_health.h"

#include "bridgebot/bridge/connection_test.h"

namespace bridgebot::bridge {

std::string duration_text(std::int64_t seconds) {
  if (seconds < 60) return "less than a minute";
  const std::int64_t minutes = seconds / 60;
  const std::int64_t hours = minutes / 60;
  const std::int64_t days = hours / 24;
  if (days > 0) return std::to_string(days) + " d " + std::to_string(hours % 24) + " h";
  if (hours > 0) return std::to_string(hours) + " h " + std::to_string(minutes % 60) + " min";
  return std::to_string(minutes) + " min";
}

InstallationHealth installation_health(const store::Installation& inst,
                                       const std::vector<std::string>& missing,
                                       std::string_view socket_mode,
                                       const std::vector<store::FailingDestination>& failing,
                                       std::int64_t now) {
  InstallationHealth health;
  if (!missing.empty()) {
    std::string list;
    for (const auto& scope : missing) list += (list.empty() ? "" : ", ") + scope;
    health.problems.push_back({"missing_scopes", "The bot token lacks required scopes: " + list,
                               admin_action_for("missing_scopes")});
  }
  if (inst.token_expires_at && *inst.token_expires_at <= now) {
    health.problems.push_back({"token_expired",
                               "The bot token expired and was not refreshed in time",
                               admin_action_for("token_expired")});
  }
  if (socket_mode == kSocketModeLinkDisabled) {
    health.problems.push_back({std::string(kSocketModeLinkDisabled),
                               "Slack refuses Socket Mode connections for the app",
                               admin_action_for(kSocketModeLinkDisabled)});
  } else if (socket_mode == kSocketModeAuthFailed) {
    health.problems.push_back({std::string(kAppTokenRejected),
                               "Slack refuses the app-level token (slack.app_token)",
                               admin_action_for(kAppTokenRejected)});
  }
  for (const auto& destination : failing) {
    health.problems.push_back({std::string(kDestinationFailing),
                               "Notifications to " + destination.destination + " fail (" +
                                   destination.reason + ", " +
                                   std::to_string(destination.failed_items) + " failed)",
                               destination_action(destination.destination, destination.reason)});
  }
  if (!health.ok()) {
    health.summary = "Needs attention";
  } else if (inst.token_expires_at) {
    health.summary = "Connected, token expires in " + duration_text(*inst.token_expires_at - now);
  } else {
    health.summary = "Connected";
  }
  return health;
}

}  // namespace bridgebot::bridge
