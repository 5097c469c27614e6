// The relay rule of the platform contract, as a pure function: a message becomes a Slack DM only
// when it mentions exactly one individual who is not the sender.
#pragma once

#include <optional>
#include <string>

#include "bridgebot/bridge/platform_types.h"

namespace bridgebot::bridge {

struct RelayDecision {
  bool relay = false;
  // Set when relay is false: no_mention | group_mention | multiple_recipients | self_mention.
  std::string ignore_reason;
  // Set when relay is true: the one person to notify.
  std::optional<Mention> recipient;
};

RelayDecision decide_relay(const PlatformMessage& message);

// Emails compare trimmed and case-insensitively; nothing else is rewritten.
std::string normalize_email(std::string_view email);

}  // namespace bridgebot::bridge
