// A Slack user as bridgebot matches it against platform users. One parser serves users.list,
// users.info, users.lookupByEmail and the `user` object of user_change / team_join events.
#pragma once

#include <rapidjson/fwd.h>

#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::slack {

struct SlackUser {
  std::string id;  // "U…" / "W…"
  std::string team_id;
  std::string name;          // legacy handle
  std::string real_name;     // profile.real_name
  std::string display_name;  // profile.display_name; often empty
  std::string email;         // profile.email; empty without users:read.email
  std::string image_url;     // the largest of profile.image_192 / _72 / _48 present
  bool deleted = false;      // deactivated
  bool is_bot = false;
  bool is_app_user = false;
  bool is_restricted = false;        // multi-channel guest
  bool is_ultra_restricted = false;  // single-channel guest

  // Slackbot ("USLACKBOT") is a bot in all but its is_bot flag.
  bool is_slackbot() const { return id == "USLACKBOT"; }
};

// Parses a Slack user object. Fails with invalid_response when it is not an object with an id;
// every other field is optional.
Result<SlackUser> parse_slack_user(const rapidjson::Value& user);

// The same, from the JSON text of one user object.
Result<SlackUser> parse_slack_user_json(std::string_view json);

}  // namespace bridgebot::slack
