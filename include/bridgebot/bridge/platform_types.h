// What the platform sends us (see ../shared/design/platform-api.md), as plain structs. Parsing
// and validation of the JSON lives in api/; the rules that act on these live in bridge/.
#pragma once

#include <string>
#include <vector>

namespace bridgebot::bridge {

struct PlatformUser {
  std::string id;
  std::string email;
  std::string name;
  std::string avatar_url;
  bool external = false;  // an outside visitor: never shown as a Slack user
};

enum class MentionType { user, all, here, group };

struct Mention {
  MentionType type = MentionType::user;
  std::string id;
  std::string email;
  std::string name;
};

struct PlatformMessage {
  std::string id;       // the platform's id: the idempotency key
  std::string team_id;  // may be empty when exactly one workspace is installed
  PlatformUser sender;
  std::vector<Mention> mentions;
  std::string text;
  std::string url;
  std::string space_id;
  std::string space_name;
  std::string sent_at;
};

struct NotificationField {
  std::string title;
  std::string value;
};

struct PlatformNotification {
  std::string id;
  std::string team_id;
  std::string route;
  std::string title;
  std::string text;
  std::string severity = "info";  // info | warning | critical
  std::string url;
  std::vector<NotificationField> fields;
  std::string thread_key;
};

}  // namespace bridgebot::bridge
