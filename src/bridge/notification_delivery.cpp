// Delivery of notifications to one route destination: a channel (threaded by thread_key) or an
// incoming webhook (which cannot thread).
#include <spdlog/spdlog.h>

#include "bridgebot/bridge/message_builder.h"
#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/bridge/routes.h"
#include "bridgebot/core/json.h"
#include "delivery.h"

namespace bridgebot::bridge {
namespace {

using store::ItemStatus;

// Where a destination key points right now. Exactly one of the two is set.
struct Target {
  std::string channel;
  std::string webhook_url;  // a secret: never log it
};

// "default" is the installation's notification channel, else its install-time webhook; other
// keys are looked up in the configured routes, so a webhook URL is never stored in the outbox.
std::optional<Target> resolve_target(const DeliveryContext& context,
                                     const ActiveInstallation& installation,
                                     const std::string& key) {
  if (key == "default") {
    if (!installation.notification_channel.empty()) {
      return Target{installation.notification_channel, {}};
    }
    if (!installation.incoming_webhook_url.empty()) {
      return Target{{}, installation.incoming_webhook_url};
    }
    return std::nullopt;
  }
  for (const auto& route : context.routes) {
    for (const auto& destination : route.to) {
      if (destination.use_default || destination_key(destination) != key) continue;
      return Target{destination.channel, destination.webhook};
    }
  }
  return std::nullopt;
}

std::string webhook_body(const SlackMessage& message) {
  rapidjson::StringBuffer buffer;
  core::JsonWriter w(buffer);
  w.StartObject();
  w.Key("text");
  w.String(message.text.c_str(), static_cast<rapidjson::SizeType>(message.text.size()));
  w.Key("blocks");
  w.RawValue(message.blocks_json.c_str(), message.blocks_json.size(), rapidjson::kArrayType);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

core::Task<Result<Completion>> deliver_notification(DeliveryContext& context,
                                                    const ClaimedItem& claimed,
                                                    const ActiveInstallation& installation) {
  const store::OutboxItem& item = claimed.row;
  auto notification = decode_notification_payload(item.payload_json);
  if (!notification.ok()) co_return finished(ItemStatus::failed, "invalid_payload");
  const std::string& team = installation.team_id;
  const std::string& key = item.destination;

  auto target = resolve_target(context, installation, key);
  if (!target) {
    co_return finished(ItemStatus::failed,
                       key == "default" ? "no_default_destination" : "unknown_destination");
  }
  const SlackMessage message = build_notification(*notification);

  if (!target->webhook_url.empty()) {
    std::string body = webhook_body(message);
    auto posted = co_await context.slack.post_incoming_webhook_async(team, target->webhook_url,
                                                                     std::move(body));
    if (!posted.ok()) co_return posted.error();
    // A webhook answers no channel or ts; the destination key says which one it was.
    Completion done;
    done.deliveries.push_back({kRoleDestination, "", key, ""});
    co_return done;
  }

  const std::string& thread_key = notification->thread_key;
  std::optional<store::ThreadAnchor> anchor;
  if (!thread_key.empty()) {
    auto found = context.store.get_thread_anchor(team, key, thread_key);
    if (!found.ok()) co_return found.error();
    anchor = std::move(*found);
  }

  slack::PostMessageRequest request;
  request.channel = anchor ? anchor->channel : target->channel;
  request.thread_ts = anchor ? anchor->ts : "";
  request.text = message.text;
  request.blocks_json = message.blocks_json;
  request.blocks_written_by_us = true;  // message_builder's writer
  const slack::TeamToken auth{team, installation.bot_token};
  auto posted = co_await context.slack.chat_post_message_async(auth, request);
  if (!posted.ok()) co_return posted.error();

  if (!thread_key.empty() && !anchor) {
    auto stored =
        context.store.put_thread_anchor({team, key, thread_key, posted->channel, posted->ts});
    // The post went out: retrying the item would post it twice. Later updates of this thread
    // start a new one instead.
    if (!stored.ok()) {
      spdlog::warn(
          "notifications: could not store the thread anchor of team {} destination {}: "
          "{}",
          team, key, stored.error().to_string());
    }
  }
  Completion done;
  done.deliveries.push_back({kRoleDestination, "", posted->channel, posted->ts});
  co_return done;
}

}  // namespace bridgebot::bridge
