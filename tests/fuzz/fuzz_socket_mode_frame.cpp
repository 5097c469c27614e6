// Socket Mode frames as they come off the WebSocket. Any text parses to one of the frame kinds
// without crashing, and an envelope's ack is valid JSON that names the very same envelope_id
// (an ack Slack cannot match would make it redeliver forever).
#include <variant>

#include "bridgebot/core/json.h"
#include "bridgebot/slack/socket_mode_frames.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const slack::SocketModeFrame frame = slack::parse_socket_mode_frame(text);
  (void)slack::parse_disconnect_reason(text);
  if (const auto* envelope = std::get_if<slack::Envelope>(&frame)) {
    fuzz::check(!envelope->envelope_id.empty(), "an envelope has an id");
    fuzz::check(core::parse_json(envelope->payload_json).ok(), "the payload is JSON");
    auto ack = core::parse_json(
        slack::build_ack(envelope->envelope_id, envelope->accepts_response_payload));
    fuzz::check(ack.ok(), "the ack is JSON");
    fuzz::check(core::json_string(*ack, "envelope_id") == envelope->envelope_id,
                "the ack names the envelope");
  }
  return 0;
}
