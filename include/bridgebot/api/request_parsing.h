// Turns platform API request bodies into bridge structs, validating every field. Errors are
// invalid_json, or invalid_field with Error::field set to the JSON path at fault
// ("mentions[1].type").
#pragma once

#include <string>
#include <string_view>

#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/result.h"

namespace bridgebot::api {

Result<bridge::PlatformMessage> parse_message(std::string_view body);
Result<bridge::PlatformNotification> parse_notification(std::string_view body);

struct LinkRequest {
  std::string email;
  std::string team_id;
};
Result<LinkRequest> parse_link_request(std::string_view body);

}  // namespace bridgebot::api
