// Delivery of a Slack reply to the platform's reply webhook.
#include "bridgebot/bridge/outbox_payloads.h"
#include "delivery.h"

namespace bridgebot::bridge {

core::Task<Result<Completion>> deliver_platform_reply(DeliveryContext& context,
                                                      const ClaimedItem& claimed,
                                                      const ActiveInstallation&) {
  // Replies are switched off (platform.reply_webhook_url removed) while some were queued.
  if (context.replies == nullptr) co_return finished(store::ItemStatus::failed, "replies_off");
  // Awaited: no thread waits for the platform's answer.
  std::string body = claimed.row.payload_json;
  const Status sent = co_await context.replies->send(std::move(body));
  if (!sent.ok()) co_return sent.error();
  Completion done;
  done.deliveries.push_back({kRolePlatformReply, "", "", ""});
  co_return done;
}

}  // namespace bridgebot::bridge
