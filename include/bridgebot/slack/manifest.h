// The Slack app manifest (YAML) an admin pastes into "Create New App > From a manifest".
// Pure: no I/O.
#pragma once

#include <string>
#include <vector>

namespace bridgebot::slack {

struct ManifestOptions {
  std::string name = "bridgebot";  // display_information.name: cut to 35 characters
  std::string description;         // display_information.description: cut to 140; omitted if empty
  std::string bot_display_name;    // features.bot_user.display_name: cut to 80; defaults to name
  bool always_online = true;
  std::vector<std::string> redirect_urls;  // OAuth "Add to Slack"; omitted when empty
  // Events over HTTP: event_subscriptions.request_url, and Socket Mode off. Empty: Socket Mode.
  std::string request_url;
  // Replies to bridged DMs are on (platform.reply_webhook_url): the bot event message.im and
  // the scope im:history are added.
  bool replies = false;
};

// Socket Mode on (or events to request_url), Home and Messages tabs on, the scopes of scopes.h and
// the events bridgebot handles (app_uninstalled, tokens_revoked, user_change, team_join,
// app_home_opened). Only keys Slack's manifest schema knows are emitted: Slack rejects unknown
// ones.
std::string app_manifest_yaml(const ManifestOptions& options);

}  // namespace bridgebot::slack
