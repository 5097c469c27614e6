// Replies back to the platform (platform-api.md, "Replies back to the platform"): which Slack DM
// messages are replies to a bridged DM, and the JSON the platform's reply webhook receives.
// Pure: no I/O.
#pragma once

#include <rapidjson/fwd.h>

#include <optional>
#include <string>
#include <string_view>

namespace bridgebot::bridge {

// A message a person wrote in a DM with the bot, as a message.im event describes it.
struct DmMessage {
  std::string team_id;
  std::string channel;  // D…
  std::string user;     // U…: the author
  std::string text;     // Slack's mrkdwn, as sent
  std::string ts;
  std::string thread_ts;  // the thread's parent when the message is in a thread; "" otherwise
};

// The DM message `event` (a Slack `message` event) describes, or nullopt when it is not one a
// person wrote in a DM: other channel types, bot messages (bot_id, or the bot user itself), and
// every subtype (edits are message_changed, deletions message_deleted, joins, ...).
std::optional<DmMessage> dm_message_of(std::string_view team_id, const rapidjson::Value& event,
                                       std::string_view bot_user_id);

// The reply's id, its idempotency key for the platform: "<team>:<channel>:<ts>".
std::string reply_id(const DmMessage& message);

// Slack's mrkdwn as plain text: &amp; &lt; &gt; unescaped, <@U1> as @U1, <#C1|name> as #name,
// <!here> as @here, <url|label> as "label (url)", <url> as url.
std::string plain_text(std::string_view mrkdwn);

// "2026-11-21T10:00:00.000100Z" from a Slack ts ("1795255200.000100"); "" when it is not one.
std::string ts_to_iso8601(std::string_view ts);

struct PlatformReply {
  std::string id;
  std::string in_reply_to;  // the platform message id of the bridged DM
  std::string slack_user_id;
  std::string platform_user_id;
  std::string email;
  std::string text;  // plain
  std::string sent_at;
};

// {"id","in_reply_to","from":{"slack_user_id","platform_user_id","email"},"text","sent_at"}
std::string encode_reply_body(const PlatformReply& reply);

}  // namespace bridgebot::bridge
