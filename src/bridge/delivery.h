// One delivery attempt of one outbox item, per role (internal to the dispatcher).
//
// Each function either finishes the item (a Completion: delivered, undeliverable, ignored or
// failed, with a reason and where it landed) or returns the Error that stopped it; the
// dispatcher decides from that Error whether to refresh a token, retry later or give up.
// Each is a coroutine run on the dispatcher's executor: the Slack calls (directory lookups
// included) are awaited, so no thread waits for Slack; store reads are made in place. The arguments
// are references into the awaiting coroutine's frame, which outlives the await. Everything in
// DeliveryContext is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "bridgebot/bridge/claimed_item.h"
#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/dm_channels.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/platform_replies.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/result.h"
#include "bridgebot/core/task.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct DeliveryContext {
  store::Store& store;
  slack::SlackApi& slack;
  InstallationDirectory& installations;
  Directory& directory;
  const core::RelayConfig& relay;
  const std::vector<core::NotificationRoute>& routes;
  DmChannels& dm_channels;
  PlatformReplySender* replies;  // null: replies are off
};

struct Completion {
  store::ItemStatus status = store::ItemStatus::delivered;
  std::string reason;
  std::vector<store::Delivery> deliveries;
};

Completion finished(store::ItemStatus status, std::string reason);

// role "recipient": the DM to the mentioned user (cases a, c, d of platform-api.md).
core::Task<Result<Completion>> deliver_recipient(DeliveryContext& context, const ClaimedItem& item,
                                                 const ActiveInstallation& installation);

// role "sender_copy": the linked sender's copy, once the recipient's DM was delivered (case b).
core::Task<Result<Completion>> deliver_sender_copy(DeliveryContext& context,
                                                   const ClaimedItem& item,
                                                   const ActiveInstallation& installation);

// role "destination": one notification to one route destination.
core::Task<Result<Completion>> deliver_notification(DeliveryContext& context,
                                                    const ClaimedItem& item,
                                                    const ActiveInstallation& installation);

// role "platform_reply": a Slack reply to the platform's reply webhook.
core::Task<Result<Completion>> deliver_platform_reply(DeliveryContext& context,
                                                      const ClaimedItem& item,
                                                      const ActiveInstallation& installation);

}  // namespace bridgebot::bridge
