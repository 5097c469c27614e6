#include "bridgebot/slack/methods.h"

namespace bridgebot::slack {
namespace {

// Tiers from slack-notes.md. auth.test is "special" (generous): budgeted as Tier 4.
// apps.connections.open is Tier 3 (50+ per minute) in Slack's current method reference and its
// machine-readable method spec (an older api.slack.com page said Tier 1). Budgeting it as Tier 1,
// with a burst of 2, left a bot whose two sockets dropped deaf for a minute.
// chat.update and views.publish replace content, so a repeat leaves the same result.
// auth.revoke is not retried: a repeat of a revoke that succeeded answers invalid_auth.
constexpr MethodInfo kMethods[] = {
    {"auth.test", Tier::tier4, true},
    {"auth.revoke", Tier::tier3, false},
    {"users.lookupByEmail", Tier::tier3, true},
    {"users.list", Tier::tier2, true},
    {"users.info", Tier::tier4, true},
    {"chat.postMessage", Tier::post_message, false},
    {"chat.update", Tier::tier3, true},
    {"conversations.open", Tier::tier3, true},
    {"views.publish", Tier::tier4, true},
    {"oauth.v2.access", Tier::tier4, false},
    {"apps.connections.open", Tier::tier3, true},
    {kIncomingWebhook, Tier::webhook, false},
};

}  // namespace

MethodInfo method_info(std::string_view method) {
  for (const auto& row : kMethods) {
    if (row.name == method) return row;
  }
  return {method, Tier::tier3, false};
}

}  // namespace bridgebot::slack
