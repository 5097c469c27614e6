// Rules every Store backend applies the same way, kept out of the SQL: what a valid accept is,
// how a source's status is summarised from its items, and the errors they share.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/store/types.h"

namespace bridgebot::store {

Status validate_accept(const AcceptRequest& request);

// Sets `status.status`/`reason` from its items' (status, reason), in item order: queued while
// any is unfinished, else the worst final outcome (failed > undeliverable > delivered > ignored)
// with that item's reason. Without items the source's own record stands.
void summarise_items(SourceStatus& status,
                     const std::vector<std::pair<ItemStatus, std::string>>& items);

// The error of a write refused because `team_id` has no active installation.
Error team_not_installed(std::string_view team_id);

// Scopes are stored as one space-separated column.
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(const std::string& joined);

// Column lists both schemas share, in the order the row mappers read them.
inline constexpr std::string_view kInstallationColumns =
    "team_id, enterprise_id, domain, team_name, bot_user_id, bot_id, app_id, scopes, bot_token, "
    "refresh_token, token_expires_at, has_webhook, webhook_channel, webhook_channel_id, "
    "webhook_configuration_url, webhook_url, notification_channel, sender_identity, state, "
    "installed_at, updated_at";
inline constexpr std::string_view kLinkColumns =
    "team_id, platform_user_id, slack_user_id, email, linked_at, has_user_token, user_token, "
    "user_refresh_token, user_token_expires_at";

}  // namespace bridgebot::store
