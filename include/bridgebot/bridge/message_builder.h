// The Slack messages bridgebot posts, one builder per case of platform-api.md "Delivery", plus
// notifications and the App Home view. Pure functions: no I/O, no state, safe from any thread.
//
// Every piece of platform text (message text, names, space names, titles, field values) goes
// through slack::escape_mrkdwn, so nothing a platform user types can ping a group, mention
// someone or forge a link. The platform url becomes one link back ("<url|Open in platform>")
// with the characters that could break Slack's link syntax encoded.
//
// Sizes follow Slack's limits: mrkdwn section text is cut at kMaxSectionChars, the plain `text`
// fallback at kMaxTextChars, each with an ellipsis, and the link back is kept unless, alone, it
// would pass a context element's kMaxContextChars (a link cannot be cut without breaking it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bridgebot/bridge/platform_types.h"

namespace bridgebot::bridge {

inline constexpr std::size_t kMaxSectionChars = 3000;
inline constexpr std::size_t kMaxTextChars = 4000;
inline constexpr std::size_t kMaxFieldChars = 2000;
inline constexpr std::size_t kMaxFields = 10;
inline constexpr std::size_t kMaxHeaderChars = 150;
inline constexpr std::size_t kMaxContextChars = 3000;  // a text object's limit

// A message ready for chat.postMessage or an incoming webhook.
struct SlackMessage {
  std::string text;         // the notification / screen-reader fallback, always set
  std::string blocks_json;  // a JSON array of Block Kit blocks
  std::string username;     // set only when the sender's identity may be shown
  std::string icon_url;
};

// (a) The recipient's DM from the bot for a sender linked by email: "<@Usender> mentioned you in
// Space:" and the text. With `show_identity` (the installation granted chat:write.customize and
// allows sender_identity) the sender's platform name and avatar become username/icon_url.
SlackMessage build_linked_sender_dm(const PlatformMessage& message,
                                    std::string_view sender_slack_user_id, bool show_identity);

// (b) The sender's own copy: "you → <@Urecipient> in Space:" and the text.
SlackMessage build_sender_copy(const PlatformMessage& message,
                               std::string_view recipient_slack_user_id);

// (c) The fallback DM from the bot when the sender cannot be shown as a Slack user (not linked,
// not in Slack, or external): the sender is named in escaped plain text, "(guest)" for externals.
SlackMessage build_fallback_dm(const PlatformMessage& message);

// (d) Posted with the sender's own user token: just the text and the link, since it is from them.
SlackMessage build_connected_sender_post(const PlatformMessage& message);

// A channel notification (also used for thread replies and webhooks): title, severity (emoji and
// word), text, up to kMaxFields fields, link.
SlackMessage build_notification(const PlatformNotification& notification);

// What the App Home tab shows a Slack user.
struct HomeState {
  bool linked = false;
  bool connected = false;  // a personal user token is held (posts go out as them)
};

// A views.publish `view` object (type "home") telling the user whether they are linked.
std::string build_home_view(const HomeState& state);

// "<url|label>" with url and label made safe for Slack's link syntax; empty when `url` is not an
// http(s) URL (nothing to link to).
std::string slack_link(std::string_view url, std::string_view label);

}  // namespace bridgebot::bridge
