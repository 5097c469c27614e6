// What accept writes into outbox items and the dispatcher reads back. One place defines both
// directions so they cannot drift. Payloads hold no secret: webhook URLs and tokens are looked
// up again at delivery time (from the configuration or the encrypted installation record).
//
// Items of a relayed message (SourceKind::message):
//   role "recipient"    destination = recipient's platform user id
//   role "sender_copy"  destination = sender's platform user id (only when relay.copy_to_sender)
//   both share ordering_key "<team_id>:<recipient platform id>", so per-recipient order holds
//   and the sender's copy is attempted only after the recipient's DM finished.
// Items of a notification (SourceKind::notification):
//   role "destination"  destination = bridge::destination_key(route destination)
//   ordering_key "<team_id>:<destination key>:<thread_key or id>" keeps a thread in order.
// Items of a reply (SourceKind::reply, see replies.h):
//   role "platform_reply"  destination = "platform", payload = the JSON body POSTed as is,
//   ordering_key "<team_id>:<DM channel>" keeps a conversation's replies in order.
#pragma once

#include <string>

#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/result.h"

namespace bridgebot::bridge {

inline constexpr const char* kRoleRecipient = "recipient";
inline constexpr const char* kRoleSenderCopy = "sender_copy";
inline constexpr const char* kRoleDestination = "destination";
inline constexpr const char* kRolePlatformReply = "platform_reply";

struct MessagePayload {
  PlatformMessage message;
  Mention recipient;  // the one individual the relay rule picked
};

std::string encode_message_payload(const MessagePayload& payload);
Result<MessagePayload> decode_message_payload(std::string_view json);

std::string encode_notification_payload(const PlatformNotification& notification);
Result<PlatformNotification> decode_notification_payload(std::string_view json);

}  // namespace bridgebot::bridge
