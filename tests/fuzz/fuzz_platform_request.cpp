// The bodies of POST /v1/messages, /v1/notifications and PUT /v1/users/{id}/link, as the platform
// (or anyone who got hold of the signing secret) may send them. Whatever a body holds, what the
// bot would post to Slack from it can never ping (<!here>, <!subteam^…>), mention anyone but the
// users the bot itself names, or be invalid Block Kit JSON. (Header blocks are plain_text, which
// Slack shows literally, so only mrkdwn text is held to this.)
#include <string>

#include "bridgebot/api/request_parsing.h"
#include "bridgebot/bridge/message_builder.h"
#include "bridgebot/core/json.h"
#include "fuzz_check.h"

using namespace bridgebot;

namespace {

constexpr std::string_view kSender = "USENDER";
constexpr std::string_view kRecipient = "URECIPIENT";

// Every "<@" starts a mention of a user the bot named itself.
bool mentions_only_known_users(const std::string& text) {
  for (auto at = text.find("<@"); at != std::string::npos; at = text.find("<@", at + 2)) {
    const std::string_view rest = std::string_view(text).substr(at + 2);
    if (rest.substr(0, kSender.size() + 1) != std::string(kSender) + ">" &&
        rest.substr(0, kRecipient.size() + 1) != std::string(kRecipient) + ">") {
      return false;
    }
  }
  return true;
}

void check_mrkdwn(const std::string& text) {
  fuzz::check(text.find("<!") == std::string::npos, "no <!…> control sequence");
  fuzz::check(mentions_only_known_users(text), "no mention the bot did not make");
}

// Every mrkdwn text object in the blocks (plain_text ones are shown literally by Slack).
void check_blocks(const rapidjson::Value& value) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) check_blocks(item);
  } else if (value.IsObject()) {
    if (core::json_string(value, "type") == "mrkdwn") {
      check_mrkdwn(core::json_string(value, "text").value_or(""));
    }
    for (const auto& member : value.GetObject()) check_blocks(member.value);
  }
}

void check_safe(const bridge::SlackMessage& message) {
  check_mrkdwn(message.text);
  if (message.blocks_json.empty()) return;
  auto blocks = core::parse_json(message.blocks_json);
  fuzz::check(blocks.ok(), "blocks are valid JSON");
  check_blocks(*blocks);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  if (auto message = api::parse_message(body); message.ok()) {
    fuzz::check(!message->id.empty(), "an accepted message has an id");
    check_safe(bridge::build_linked_sender_dm(*message, kSender, true));
    check_safe(bridge::build_sender_copy(*message, kRecipient));
    check_safe(bridge::build_fallback_dm(*message));
    check_safe(bridge::build_connected_sender_post(*message));
  }
  if (auto notification = api::parse_notification(body); notification.ok()) {
    check_safe(bridge::build_notification(*notification));
  }
  (void)api::parse_link_request(body);
  return 0;
}
