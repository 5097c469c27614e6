// user_change and team_join: keep the directory (and the links resting on it) true.
#include "bridgebot/core/json.h"
#include "bridgebot/slack/slack_user.h"
#include "event_handlers.h"

namespace bridgebot::bridge::events {
namespace {

Result<slack::SlackUser> user_of(const rapidjson::Value& event) {
  const rapidjson::Value* user = core::json_object(event, "user");
  if (user == nullptr) return make_error("invalid_event", "the event has no user object");
  return slack::parse_slack_user(*user);
}

}  // namespace

Status user_change(const EventContext& context, std::string_view team_id,
                   const rapidjson::Value& event) {
  auto user = user_of(event);
  if (!user.ok()) return user.error();
  return context.directory.on_user_change(team_id, *user);
}

Status team_join(const EventContext& context, std::string_view team_id,
                 const rapidjson::Value& event) {
  auto user = user_of(event);
  if (!user.ok()) return user.error();
  return context.directory.on_team_join(team_id, *user);
}

}  // namespace bridgebot::bridge::events
