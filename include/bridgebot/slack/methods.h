// What bridgebot knows about each Web API method it calls: its rate-limit tier and whether
// sending it twice is harmless. One table row per method (src/slack/methods.cpp).
#pragma once

#include <string_view>

namespace bridgebot::slack {

enum class Tier {
  tier1,         // 1+ per minute
  tier2,         // 20+ per minute
  tier3,         // 50+ per minute
  tier4,         // 100+ per minute
  post_message,  // chat.postMessage: ~1 per second per channel, plus a workspace-wide budget
  webhook,       // incoming webhooks: ~1 per second per webhook
};

struct MethodInfo {
  std::string_view name;
  Tier tier;
  // True when a repeat cannot change the outcome (reads, replace-style writes), so a timeout or a
  // 5xx, after which we cannot know whether Slack acted, may be retried. False for posts (a
  // repeat posts twice) and token exchanges (a code or refresh token works only once).
  bool idempotent;
};

// The row for `method`; unknown methods get Tier 3 and are not idempotent.
MethodInfo method_info(std::string_view method);

// The pseudo-method name used for incoming webhook posts in rate-limit keys.
inline constexpr std::string_view kIncomingWebhook = "incoming-webhook";

}  // namespace bridgebot::slack
