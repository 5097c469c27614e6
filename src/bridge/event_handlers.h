// The event handlers of the table in events.cpp, one per Slack event type (internal).
// Each gets the workspace's team id and the `event` object, and may assume its `type` matched.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "bridgebot/bridge/events.h"

namespace bridgebot::bridge::events {

// The app left the workspace: everything synced for it goes (links, queue, threads, tokens).
Status app_uninstalled(const EventContext& context, std::string_view team_id,
                       const rapidjson::Value& event);
// tokens.bot: the bot token died, as on uninstall. tokens.oauth: those users' personal tokens
// are dropped, their email links stay.
Status tokens_revoked(const EventContext& context, std::string_view team_id,
                      const rapidjson::Value& event);
// A user changed (deactivated, email changed): the directory re-checks links and cache.
Status user_change(const EventContext& context, std::string_view team_id,
                   const rapidjson::Value& event);
// A new member: cached for matching.
Status team_join(const EventContext& context, std::string_view team_id,
                 const rapidjson::Value& event);
// The Home tab opened: publish the view saying whether the user is linked.
Status app_home_opened(const EventContext& context, std::string_view team_id,
                       const rapidjson::Value& event);

// A message (message.im): a reply to a bridged DM is queued for the platform (replies on).
Status message(const EventContext& context, std::string_view team_id,
               const rapidjson::Value& event);

}  // namespace bridgebot::bridge::events
