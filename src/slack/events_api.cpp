#include "bridgebot/slack/events_api.h"

#include <charconv>

#include "bridgebot/core/crypto.h"
#include "bridgebot/core/json.h"

namespace bridgebot::slack {

std::string slack_signature(std::string_view signing_secret, std::int64_t timestamp,
                            std::string_view body) {
  std::string base = "v0:" + std::to_string(timestamp) + ":";
  base.append(body);
  return "v0=" + core::hex_encode(core::hmac_sha256(signing_secret, base));
}

Status verify_slack_signature(std::string_view signing_secret, std::string_view timestamp_header,
                              std::string_view signature_header, std::string_view body,
                              std::int64_t now_unix) {
  std::int64_t timestamp = 0;
  const char* end = timestamp_header.data() + timestamp_header.size();
  auto [parsed_to, ec] = std::from_chars(timestamp_header.data(), end, timestamp);
  if (timestamp_header.empty() || ec != std::errc{} || parsed_to != end) {
    return make_error("stale_timestamp", "X-Slack-Request-Timestamp is missing or not a number");
  }
  if (timestamp < now_unix - kSlackSignatureWindowSeconds ||
      timestamp > now_unix + kSlackSignatureWindowSeconds) {
    return make_error("stale_timestamp",
                      "X-Slack-Request-Timestamp is more than 5 minutes from this server's clock "
                      "(a replayed request, or a clock that needs syncing)");
  }
  const std::string expected = slack_signature(signing_secret, timestamp, body);
  if (!core::constant_time_equal(expected, signature_header)) {
    return make_error("invalid_signature",
                      "X-Slack-Signature does not match: check slack.signing_secret (Basic "
                      "Information > App Credentials > Signing Secret)");
  }
  return Status::success();
}

EventsApiRequest parse_events_api_request(std::string_view body) {
  EventsApiRequest request;
  auto document = core::parse_json(body);
  if (!document.ok() || !document->IsObject()) return request;
  const rapidjson::Value& root = *document;
  request.type_text = core::json_string_or(root, "type");
  if (request.type_text == "url_verification") {
    request.type = EventsApiRequest::Type::url_verification;
    request.challenge = core::json_string_or(root, "challenge");
    return request;
  }
  if (request.type_text != "event_callback") {
    request.type = EventsApiRequest::Type::other;
    return request;
  }
  request.type = EventsApiRequest::Type::event_callback;
  request.team_id = core::json_string_or(root, "team_id");
  request.event_id = core::json_string_or(root, "event_id");
  if (const auto* event = core::json_object(root, "event")) {
    request.event_type = core::json_string_or(*event, "type");
    request.event_json = core::to_json(*event);
  }
  return request;
}

}  // namespace bridgebot::slack
