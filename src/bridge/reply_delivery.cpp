// Delivery of a Slack reply to the platform's reply webhook.
#include "bridgebot/bridge/outbox_payloads.h"
#include "delivery.h"

namespace bridgebot::bridge {

core::Task<Result<Completion>> deliver_platform_reply(DeliveryContext& context,
                                                      const store::OutboxItem& item,
                                                      const ActiveInstallation&) {
  // The reply webhook is still called blocking, on the executor thread (README: not implemented
  // yet). Replies are switched off (platform.reply_webhook_url removed) while some were queued.
  if (context.replies == nullptr) co_return finished(store::ItemStatus::failed, "replies_off");
  if (Status sent = context.replies->send(item.payload_json); !sent.ok()) co_return sent.error();
  Completion done;
  done.deliveries.push_back({kRolePlatformReply, "", "", ""});
  co_return done;
}

}  // namespace bridgebot::bridge
