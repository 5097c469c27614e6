// Socket Mode wire format: parsing the text frames Slack sends and writing the acks we send back.
// Pure functions over strings; no I/O, no state. Every input, however malformed, yields a frame:
// outside input never throws or crashes here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace bridgebot::slack {

// `hello`: the connection is usable from now on.
struct HelloFrame {
  int num_connections = 0;                       // Slack's count of this app's open sockets
  std::int64_t approximate_connection_time = 0;  // seconds until Slack recycles this socket
  std::string app_id;
};

enum class DisconnectReason {
  warning,              // the socket closes in about 10 s: connect a successor first
  refresh_requested,    // routine recycle: connect a successor first
  link_disabled,        // Socket Mode turned off for the app: permanent
  too_many_websockets,  // over the 10-socket cap: close, back off
  other,                // a reason we do not know: treated like refresh_requested
};

struct DisconnectFrame {
  DisconnectReason reason = DisconnectReason::other;
  std::string reason_text;  // as Slack sent it
};

// Anything carrying an envelope_id: it must be acked, whatever its type.
struct Envelope {
  std::string envelope_id;
  std::string type;          // events_api | slash_commands | interactive | (unknown, kept as sent)
  std::string payload_json;  // the payload object as JSON text ("{}" when absent)
  bool accepts_response_payload = false;
  int retry_attempt = 0;     // 0 for the first delivery
  std::string retry_reason;  // "" or "timeout"
  // Read from an events_api payload (the Events API wrapper); empty otherwise.
  std::string event_id;
  std::string team_id;
  std::string event_type;  // payload.event.type
};

// Empty, non-JSON, non-object or unknown-type frames: logged and counted, never fatal.
struct UnknownFrame {
  std::string why;  // "empty", "invalid_json", "not_an_object", "unknown_type: <type>"
};

using SocketModeFrame = std::variant<HelloFrame, DisconnectFrame, Envelope, UnknownFrame>;

SocketModeFrame parse_socket_mode_frame(std::string_view text);

DisconnectReason parse_disconnect_reason(std::string_view reason);

// The ack text: {"envelope_id":"…"}, plus "payload" (a JSON object's text) only when the envelope
// accepts one and `payload_json` is not empty.
std::string build_ack(std::string_view envelope_id, bool accepts_response_payload,
                      std::string_view payload_json = {});

// What de-duplication keys an envelope by: its payload's event_id when it has one (Slack retries
// events with new envelope ids), else its envelope_id (slash commands and interactive payloads,
// which Slack does not retry).
std::string deduplication_key(const Envelope& envelope);

}  // namespace bridgebot::slack
