// app_home_opened: show the user, on the Home tab, whether they are linked.
#include "bridgebot/bridge/message_builder.h"
#include "bridgebot/core/json.h"
#include "event_handlers.h"

namespace bridgebot::bridge::events {

Status app_home_opened(const EventContext& context, std::string_view team_id,
                       const rapidjson::Value& event) {
  if (core::json_string_or(event, "tab") != "home") return Status::success();
  const std::string user = core::json_string_or(event, "user");
  if (user.empty()) return make_error("invalid_event", "app_home_opened without a user");

  auto installation = context.installations.active(team_id);
  if (!installation.ok()) return installation.error();
  auto link = context.store.find_link_by_slack_user(team_id, user);
  if (!link.ok()) return link.error();
  const HomeState state{link->has_value(), link->has_value() && (*link)->user_token.has_value()};

  auto published = context.slack.views_publish({installation->team_id, installation->bot_token},
                                               user, build_home_view(state));
  // not_enabled: the admin turned the Home tab off; nothing to show, nothing wrong.
  if (!published.ok() && published.error().code == "not_enabled") return Status::success();
  return published;
}

}  // namespace bridgebot::bridge::events
