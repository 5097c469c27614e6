// An outbox item in this process's hands for delivery, as the dispatcher queues and attempts it.
#pragma once

#include <memory>

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

struct ClaimedItem {
  store::OutboxItem row;
  // An item of a relayed message that its accept took for delivery: the message as accepted
  // (row.payload_json encodes it), so its delivery does not decode the payload again. Null for
  // every other item (claimed later, notifications, replies): decoded from row.payload_json.
  std::shared_ptr<const MessagePayload> message;
};

}  // namespace bridgebot::bridge
