// message (message.im, subscribed only when platform.reply_webhook_url is set): a person's
// reply to a DM bridgebot posted for a platform message is queued for the platform's reply
// webhook. Everything else (bot messages, edits, DMs bridgebot never posted in) is left alone.
#include <spdlog/spdlog.h>

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/bridge/replies.h"
#include "event_handlers.h"

namespace bridgebot::bridge::events {

Status message(const EventContext& context, std::string_view team_id,
               const rapidjson::Value& event) {
  if (!context.options.replies) return Status::success();
  auto installation = context.installations.active(team_id);
  if (!installation.ok()) {
    return installation.error().code == "unknown_team" ? Status::success()
                                                       : Status(installation.error());
  }
  const auto dm = dm_message_of(team_id, event, installation->bot_user_id);
  if (!dm) return Status::success();

  // In a thread: the DM that started it. Otherwise the latest bridged DM before this message.
  auto bridged = context.store.find_bridged_dm(team_id, dm->channel, dm->thread_ts, dm->ts);
  if (!bridged.ok()) return bridged.error();
  if (!bridged->has_value() || (*bridged)->slack_user != dm->user) return Status::success();
  const store::BridgedDm& original = **bridged;

  PlatformReply reply;
  reply.id = reply_id(*dm);
  reply.in_reply_to = original.source_id;
  reply.slack_user_id = dm->user;
  reply.text = plain_text(dm->text);
  reply.sent_at = ts_to_iso8601(dm->ts);
  // The link says who this Slack user is on the platform; without one (relay without
  // require_recipient_link), the mention the platform sent does.
  auto link = context.store.find_link_by_slack_user(team_id, dm->user);
  if (!link.ok()) return link.error();
  if (link->has_value()) {
    reply.platform_user_id = (*link)->platform_user_id;
    reply.email = (*link)->email;
  } else if (auto payload = decode_message_payload(original.payload_json); payload.ok()) {
    reply.platform_user_id = payload->recipient.id;
    reply.email = payload->recipient.email;
  }

  store::AcceptRequest request;
  request.kind = store::SourceKind::reply;
  request.source_id = reply.id;
  request.team_id = std::string(team_id);
  request.now = context.clock.unix_seconds();
  // One ordering key per DM: the platform gets a conversation's replies in the order written.
  request.items.push_back({kRolePlatformReply, "platform", encode_reply_body(reply),
                           std::string(team_id) + ":" + dm->channel, request.now});
  auto accepted = context.store.accept(request);
  if (!accepted.ok()) {
    if (accepted.error().code == "conflict") return Status::success();  // disconnected meanwhile
    return accepted.error();
  }
  if (!accepted->duplicate) {
    spdlog::debug("replies: queued {} in reply to {}", reply.id, reply.in_reply_to);
    if (context.options.on_new_work) context.options.on_new_work();
  }
  return Status::success();
}

}  // namespace bridgebot::bridge::events
