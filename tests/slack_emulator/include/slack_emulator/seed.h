// A small demo workspace for `bridgebot sandbox` and for tests that want a realistic start.
#pragma once

#include <string>

#include "slack_emulator/emulator.h"

namespace bridgebot::emulator {

// What the seed created that a caller has to know to connect to it.
struct DemoWorkspace {
  std::string team_id;
  std::string app_id;
  std::string bot_user_id;
  std::string bot_token;   // users:read users:read.email chat:write chat:write.customize im:write
  std::string app_token;   // connections:write
  std::string user_token;  // alice's, chat:write: for relaying "as the sender"
  std::string webhook_id;  // posts to #general
  std::string general_channel;
  std::string helpdesk_channel;  // the bot is a member
  std::string archived_channel;
};

// Adds team T0001 "acme" (acme.slack.com) with alice, bob and carol @example.com, a deactivated
// user, the app's bot user, channels #general, #helpdesk and an archived one, tokens and one
// incoming webhook. Token values are test-only strings, not real Slack tokens.
DemoWorkspace seed_demo_workspace(Emulator& emulator);

}  // namespace bridgebot::emulator
