#include "bridgebot/slack/slack_user.h"

#include <rapidjson/document.h>

#include "bridgebot/core/json.h"
#include "json_fields.h"

namespace bridgebot::slack {

Result<SlackUser> parse_slack_user(const rapidjson::Value& user) {
  SlackUser u;
  u.id = json::string_field(user, "id");
  if (u.id.empty()) {
    Error e = make_error("invalid_response", "a Slack user object has no id");
    e.field = "user.id";
    return e;
  }
  const auto& profile = json::object_field(user, "profile");
  u.team_id = json::string_field(user, "team_id");
  u.name = json::string_field(user, "name");
  u.real_name = json::string_field(profile, "real_name");
  if (u.real_name.empty()) u.real_name = json::string_field(user, "real_name");
  u.display_name = json::string_field(profile, "display_name");
  u.email = json::string_field(profile, "email");
  for (const char* size : {"image_192", "image_72", "image_48"}) {
    u.image_url = json::string_field(profile, size);
    if (!u.image_url.empty()) break;
  }
  u.deleted = json::bool_field(user, "deleted");
  u.is_bot = json::bool_field(user, "is_bot");
  u.is_app_user = json::bool_field(user, "is_app_user");
  u.is_restricted = json::bool_field(user, "is_restricted");
  u.is_ultra_restricted = json::bool_field(user, "is_ultra_restricted");
  return u;
}

Result<SlackUser> parse_slack_user_json(std::string_view text) {
  auto doc = core::parse_json(text);
  if (!doc.ok()) {
    return make_error("invalid_response", "a Slack user object is not valid JSON");
  }
  return parse_slack_user(*doc);
}

}  // namespace bridgebot::slack
