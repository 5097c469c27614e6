// The OAuth scopes bridgebot asks for. The manifest and the installation check share these
// lists, so what the app requests and what bridgebot insists on cannot drift apart.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace bridgebot::slack {

// Without these the bot cannot match users by email or post.
inline constexpr std::array<std::string_view, 3> kRequiredBotScopes = {
    "users:read", "users:read.email", "chat:write"};

// Nice to have: chat:write.customize shows relayed messages with the sender's name and picture;
// im:write opens each DM with conversations.open (the app's Messages tab); incoming-webhook gives
// an OAuth install a default notification destination.
inline constexpr std::array<std::string_view, 3> kOptionalBotScopes = {
    "chat:write.customize", "im:write", "incoming-webhook"};

// Replies to bridged DMs (platform.reply_webhook_url): the message.im event needs it. Requested
// and required only while replies are on.
inline constexpr std::array<std::string_view, 1> kReplyBotScopes = {"im:history"};

// Lets a linked user's own token post "as them".
inline constexpr std::array<std::string_view, 1> kOptionalUserScopes = {"chat:write"};

// The required bot scopes missing from `granted` (as from auth.test or the x-oauth-scopes header),
// in kRequiredBotScopes order, so an admin sees every missing scope at once.
// With `replies`, kReplyBotScopes count as required too.
std::vector<std::string> missing_scopes(const std::vector<std::string>& granted,
                                        bool replies = false);

}  // namespace bridgebot::slack
