// app_uninstalled and tokens_revoked: the workspace or some of its tokens are gone. No Slack
// call here: the tokens are already dead.
#include <spdlog/spdlog.h>

#include "bridgebot/core/json.h"
#include "event_handlers.h"

namespace bridgebot::bridge::events {
namespace {

Status purge(const EventContext& context, std::string_view team_id, const char* why) {
  auto purged = context.store.purge_team(team_id, context.clock.unix_seconds());
  if (!purged.ok()) return purged.error();
  spdlog::info("{} for team {}: deleted {} links, {} queued items, {} thread anchors", why, team_id,
               purged->links, purged->outbox_items, purged->thread_anchors);
  return Status::success();
}

}  // namespace

Status app_uninstalled(const EventContext& context, std::string_view team_id,
                       const rapidjson::Value&) {
  return purge(context, team_id, "app_uninstalled");
}

Status tokens_revoked(const EventContext& context, std::string_view team_id,
                      const rapidjson::Value& event) {
  const rapidjson::Value* tokens = core::json_object(event, "tokens");
  if (tokens == nullptr) return Status::success();
  if (const auto* bot = core::json_array(*tokens, "bot"); bot != nullptr && !bot->Empty()) {
    return purge(context, team_id, "tokens_revoked (bot)");
  }
  const auto* users = core::json_array(*tokens, "oauth");
  if (users == nullptr) return Status::success();
  for (const auto& user : users->GetArray()) {
    if (!user.IsString()) continue;
    auto link = context.store.find_link_by_slack_user(team_id, user.GetString());
    if (!link.ok()) return link.error();
    if (!link->has_value() || !(*link)->user_token) continue;
    store::Link email_only = std::move(**link);
    email_only.user_token.reset();
    if (auto stored = context.store.put_link(email_only); !stored.ok()) return stored;
    spdlog::info("tokens_revoked: platform user {} of team {} is linked by email only now",
                 email_only.platform_user_id, team_id);
  }
  return Status::success();
}

}  // namespace bridgebot::bridge::events
