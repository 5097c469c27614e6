#include "bridgebot/slack/socket_mode_frames.h"

#include <limits>

#include "bridgebot/core/json.h"

namespace bridgebot::slack {
namespace {

int clamp_to_int(std::int64_t value) {
  if (value < 0) return 0;
  if (value > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(value);
}

HelloFrame parse_hello(const rapidjson::Value& frame) {
  HelloFrame hello;
  hello.num_connections = clamp_to_int(core::json_int(frame, "num_connections").value_or(0));
  if (const auto* debug = core::json_object(frame, "debug_info")) {
    hello.approximate_connection_time =
        core::json_int(*debug, "approximate_connection_time").value_or(0);
  }
  if (const auto* info = core::json_object(frame, "connection_info")) {
    hello.app_id = core::json_string_or(*info, "app_id");
  }
  return hello;
}

Envelope parse_envelope(const rapidjson::Value& frame, std::string envelope_id) {
  Envelope envelope;
  envelope.envelope_id = std::move(envelope_id);
  envelope.type = core::json_string_or(frame, "type");
  envelope.accepts_response_payload =
      core::json_bool(frame, "accepts_response_payload").value_or(false);
  envelope.retry_attempt = clamp_to_int(core::json_int(frame, "retry_attempt").value_or(0));
  envelope.retry_reason = core::json_string_or(frame, "retry_reason");
  const auto* payload = core::json_object(frame, "payload");
  envelope.payload_json = payload ? core::to_json(*payload) : "{}";
  if (payload && envelope.type == "events_api") {
    envelope.event_id = core::json_string_or(*payload, "event_id");
    envelope.team_id = core::json_string_or(*payload, "team_id");
    if (const auto* event = core::json_object(*payload, "event")) {
      envelope.event_type = core::json_string_or(*event, "type");
    }
  }
  return envelope;
}

}  // namespace

DisconnectReason parse_disconnect_reason(std::string_view reason) {
  if (reason == "warning") return DisconnectReason::warning;
  if (reason == "refresh_requested") return DisconnectReason::refresh_requested;
  if (reason == "link_disabled") return DisconnectReason::link_disabled;
  if (reason == "too_many_websockets") return DisconnectReason::too_many_websockets;
  return DisconnectReason::other;
}

SocketModeFrame parse_socket_mode_frame(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return UnknownFrame{"empty"};
  auto document = core::parse_json(text);
  if (!document.ok()) return UnknownFrame{"invalid_json"};
  const rapidjson::Value& frame = *document;
  if (!frame.IsObject()) return UnknownFrame{"not_an_object"};

  std::string type = core::json_string_or(frame, "type");
  if (auto envelope_id = core::json_string(frame, "envelope_id");
      envelope_id && !envelope_id->empty()) {
    return parse_envelope(frame, std::move(*envelope_id));
  }
  if (type == "hello") return parse_hello(frame);
  if (type == "disconnect") {
    DisconnectFrame disconnect;
    disconnect.reason_text = core::json_string_or(frame, "reason");
    disconnect.reason = parse_disconnect_reason(disconnect.reason_text);
    return disconnect;
  }
  return UnknownFrame{"unknown_type: " + type};
}

std::string build_ack(std::string_view envelope_id, bool accepts_response_payload,
                      std::string_view payload_json) {
  std::string ack = "{\"envelope_id\":" + core::json_quote(envelope_id);
  if (accepts_response_payload && !payload_json.empty()) {
    ack += ",\"payload\":";
    ack += payload_json;
  }
  ack += '}';
  return ack;
}

std::string deduplication_key(const Envelope& envelope) {
  if (!envelope.event_id.empty()) return "event:" + envelope.event_id;
  return "envelope:" + envelope.envelope_id;
}

}  // namespace bridgebot::slack
