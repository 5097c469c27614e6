// The Events API over HTTP (Slack POSTs each event to the app's Request URL): Slack's v0 request
// signature and the request bodies. Pure functions over strings; every input, however malformed,
// yields a value, never an exception.
//
//   X-Slack-Request-Timestamp: <unix seconds>
//   X-Slack-Signature: v0=<hex HMAC-SHA256(signing_secret, "v0:" + timestamp + ":" + raw_body)>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::slack {

// Slack's replay window: a request signed longer ago than this is refused.
inline constexpr std::int64_t kSlackSignatureWindowSeconds = 300;

// The X-Slack-Signature value Slack sends for `body` (the emulator signs with it).
std::string slack_signature(std::string_view signing_secret, std::int64_t timestamp,
                            std::string_view body);

// ok, or stale_timestamp (missing, malformed or more than 5 minutes from `now_unix`) /
// invalid_signature. The comparison is constant-time.
Status verify_slack_signature(std::string_view signing_secret, std::string_view timestamp_header,
                              std::string_view signature_header, std::string_view body,
                              std::int64_t now_unix);

// One request body of the Events API.
struct EventsApiRequest {
  enum class Type { url_verification, event_callback, other, invalid };
  Type type = Type::invalid;
  std::string type_text;  // as sent ("app_rate_limited", ...) for logs
  std::string challenge;  // url_verification
  // event_callback: the same wrapper a Socket Mode events_api envelope carries as its payload.
  std::string team_id;
  std::string event_id;
  std::string event_type;
  std::string event_json;  // the `event` object; "" when absent
};

EventsApiRequest parse_events_api_request(std::string_view body);

}  // namespace bridgebot::slack
