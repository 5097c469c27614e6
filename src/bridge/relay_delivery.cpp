// Delivery of relayed messages: the recipient's DM and the sender's copy.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "bridgebot/bridge/message_builder.h"
#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/slack/errors.h"
#include "delivery.h"

namespace bridgebot::bridge {
namespace {

using store::ItemStatus;

slack::TeamToken bot_token(const ActiveInstallation& installation) {
  return {installation.team_id, installation.bot_token};
}

slack::PostMessageRequest post_request(std::string channel, const SlackMessage& message) {
  slack::PostMessageRequest request;
  request.channel = std::move(channel);
  request.text = message.text;
  request.blocks_json = message.blocks_json;
  request.blocks_written_by_us = true;  // message_builder's writer
  request.username = message.username;
  request.icon_url = message.icon_url;
  // The link back is in the message; a preview of it would only repeat the platform page.
  request.unfurl_links = false;
  request.unfurl_media = false;
  return request;
}

Completion delivered(const char* role, const std::string& slack_user,
                     const slack::PostedMessage& posted) {
  Completion done;
  done.deliveries.push_back({role, slack_user, posted.channel, posted.ts});
  return done;
}

// The channel to DM `slack_user_id` through with the bot token. With im:write it is the DM
// conversation id from conversations.open (the app's Messages tab), remembered in
// context.dm_channels (`remembered` tells whether it came from there); without it the user id
// itself, which Slack delivers to the user's DM with the app (or with Slackbot, depending on the
// app's settings): both are DMs the user sees. nullopt: conversations.open must be asked
// (open_dm_channel).
std::optional<std::string> known_dm_channel(DeliveryContext& context,
                                            const ActiveInstallation& installation,
                                            const std::string& slack_user_id, bool& remembered) {
  remembered = false;
  if (!installation.has_scope("im:write")) return slack_user_id;
  auto known = context.dm_channels.find(installation.team_id, slack_user_id);
  remembered = known.has_value();
  return known;
}

core::Task<Result<std::string>> open_dm_channel(DeliveryContext& context,
                                                const ActiveInstallation& installation,
                                                const std::string& slack_user_id) {
  const slack::TeamToken auth = bot_token(installation);
  auto opened = co_await context.slack.conversations_open_async(auth, slack_user_id);
  if (opened.ok()) context.dm_channels.remember(installation.team_id, slack_user_id, *opened);
  co_return opened;
}

// The relayed message: as its accept handed it over, else decoded from the stored payload.
Result<std::shared_ptr<const MessagePayload>> message_of(const ClaimedItem& item) {
  if (item.message) return item.message;
  auto decoded = decode_message_payload(item.row.payload_json);
  if (!decoded.ok()) return decoded.error();
  return std::make_shared<const MessagePayload>(std::move(*decoded));
}

bool conversation_gone(const std::string& code) {
  return code == "channel_not_found" || code == "is_archived";
}

core::Task<Result<slack::PostedMessage>> post_as_bot(DeliveryContext& context,
                                                     const ActiveInstallation& installation,
                                                     const std::string& slack_user_id,
                                                     const SlackMessage& message) {
  bool remembered = false;
  auto known = known_dm_channel(context, installation, slack_user_id, remembered);
  // Awaited only when Slack must be asked: a known channel costs no coroutine. (Plain ifs: GCC 12
  // mishandles a co_await inside a conditional expression.)
  Result<std::string> channel = std::string();
  if (known) {
    channel = std::move(*known);
  } else {
    channel = co_await open_dm_channel(context, installation, slack_user_id);
  }
  if (!channel.ok()) co_return channel.error();
  const slack::TeamToken auth = bot_token(installation);
  slack::PostMessageRequest request = post_request(std::move(*channel), message);
  auto posted = co_await context.slack.chat_post_message_async(auth, std::move(request));
  if (posted.ok() || !remembered || !conversation_gone(posted.error().code)) co_return posted;
  // The remembered conversation was deleted or archived since: forget it and open a fresh one
  // (once: the next call finds nothing remembered).
  context.dm_channels.forget(installation.team_id, slack_user_id);
  co_return co_await post_as_bot(context, installation, slack_user_id, message);
}

}  // namespace

Completion finished(ItemStatus status, std::string reason) {
  Completion done;
  done.status = status;
  done.reason = std::move(reason);
  return done;
}

core::Task<Result<Completion>> deliver_recipient(DeliveryContext& context, const ClaimedItem& item,
                                                 const ActiveInstallation& installation) {
  auto payload = message_of(item);
  if (!payload.ok()) co_return finished(ItemStatus::failed, "invalid_payload");
  const PlatformMessage& message = (*payload)->message;
  const std::string& team = installation.team_id;

  // A cache miss asks Slack (users.lookupByEmail, paced as Tier 3): awaited, holding no thread.
  auto recipient = co_await context.directory.resolve_async(
      team, (*payload)->recipient.id, (*payload)->recipient.email, installation.generation);
  if (!recipient.ok()) co_return recipient.error();
  if (!recipient->has_value()) {
    co_return finished(ItemStatus::undeliverable, "recipient_not_in_slack");
  }
  if (context.relay.require_recipient_link && !(*recipient)->link) {
    co_return finished(ItemStatus::undeliverable, "recipient_not_linked");
  }
  const std::string recipient_user = (*recipient)->slack_user_id;

  if (!message.sender.external) {
    auto sender_link = context.directory.link_of(team, message.sender.id, installation.generation);
    if (!sender_link.ok()) co_return sender_link.error();
    // (d) Connected sender: their own token posts into their DM with the recipient.
    Result<std::optional<std::string>> user_token = std::optional<std::string>{};
    if (sender_link->has_value()) {
      user_token =
          co_await context.installations.connected_user_token_async(context.slack, **sender_link);
    }
    if (!user_token.ok()) co_return user_token.error();
    if (user_token->has_value()) {
      const slack::TeamToken auth{team, **user_token};
      slack::PostMessageRequest request =
          post_request(recipient_user, build_connected_sender_post(message));
      auto posted = co_await context.slack.chat_post_message_async(auth, std::move(request));
      if (posted.ok()) co_return delivered(kRoleRecipient, recipient_user, *posted);
      // A dead user token must not cost the recipient the message: the bot sends it instead.
      if (!slack::is_auth_dead(posted.error().code)) co_return posted.error();
      spdlog::warn(
          "relay: the user token of platform user {} in team {} failed ({}): the bot "
          "posts instead",
          message.sender.id, team, posted.error().code);
      // Read again: the link may have changed while Slack was asked.
      sender_link = context.store.get_link(team, message.sender.id);
      if (!sender_link.ok()) co_return sender_link.error();
    }

    // (a) Sender linked by email: the bot posts, naming the sender as their Slack user.
    if (sender_link->has_value()) {
      const bool show_identity =
          installation.sender_identity && installation.has_scope("chat:write.customize");
      const SlackMessage dm =
          build_linked_sender_dm(message, (*sender_link)->slack_user_id, show_identity);
      auto posted = co_await post_as_bot(context, installation, recipient_user, dm);
      if (!posted.ok()) co_return posted.error();
      co_return delivered(kRoleRecipient, recipient_user, *posted);
    }
  }

  // (c) Unlinked, not in Slack, or external: the bot names the sender in plain text.
  const SlackMessage fallback = build_fallback_dm(message);
  auto posted = co_await post_as_bot(context, installation, recipient_user, fallback);
  if (!posted.ok()) co_return posted.error();
  co_return delivered(kRoleRecipient, recipient_user, *posted);
}

core::Task<Result<Completion>> deliver_sender_copy(DeliveryContext& context,
                                                   const ClaimedItem& item,
                                                   const ActiveInstallation& installation) {
  auto payload = message_of(item);
  if (!payload.ok()) co_return finished(ItemStatus::failed, "invalid_payload");
  const PlatformMessage& message = (*payload)->message;
  const std::string& team = installation.team_id;

  if (message.sender.external) co_return finished(ItemStatus::ignored, "sender_external");
  auto sender_link = context.directory.link_of(team, message.sender.id, installation.generation);
  if (!sender_link.ok()) co_return sender_link.error();
  // Only a linked sender can have connected their own token.
  if (!sender_link->has_value()) co_return finished(ItemStatus::ignored, "sender_not_linked");
  auto user_token =
      co_await context.installations.connected_user_token_async(context.slack, **sender_link);
  if (!user_token.ok()) co_return user_token.error();
  // A connected sender's message is already in their own DM with the recipient.
  if (user_token->has_value()) co_return finished(ItemStatus::ignored, "sender_connected");

  // The ordering key guarantees the recipient item is final by now.
  auto source = context.store.source_status(store::SourceKind::message, item.row.source_id);
  if (!source.ok()) co_return source.error();
  const store::Delivery* to_recipient = nullptr;
  if (source->has_value()) {
    const auto& deliveries = (*source)->deliveries;
    auto it = std::find_if(deliveries.begin(), deliveries.end(),
                           [](const store::Delivery& d) { return d.role == kRoleRecipient; });
    if (it != deliveries.end()) to_recipient = &*it;
  }
  if (to_recipient == nullptr) co_return finished(ItemStatus::ignored, "recipient_not_delivered");

  const std::string sender_user = (*sender_link)->slack_user_id;
  const SlackMessage copy = build_sender_copy(message, to_recipient->slack_user);
  auto posted = co_await post_as_bot(context, installation, sender_user, copy);
  if (!posted.ok()) co_return posted.error();
  co_return delivered(kRoleSenderCopy, sender_user, *posted);
}

}  // namespace bridgebot::bridge
