// Claim at accept: how the Acceptor hands the items an accept took for delivery
// (store::ClaimAtAccept) straight to this process's dispatcher, without a round through the
// store's claim and the claimer thread. The Dispatcher implements it.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "bridgebot/bridge/outbox_payloads.h"
#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

class AcceptHandoff {
 public:
  virtual ~AcceptHandoff() = default;

  // Room for up to `items` items of `team_id`'s workspace, held until hand_over(): the claim to
  // put in the AcceptRequest, or none (limit 0) when this process does not deliver that
  // workspace's partition now, is stopping, or has no room to start them at once.
  virtual store::ClaimAtAccept reserve(std::string_view team_id, int items) = 0;
  // Once per reserve() that gave a limit, after the accept whatever its result: the items it
  // took (none when it failed or was a duplicate); the rest of the room is given back. For a
  // relayed message, `message` is what its items' payload encodes (null otherwise): their
  // delivery starts from it instead of decoding the payload again.
  virtual void hand_over(const store::ClaimAtAccept& reserved,
                         std::vector<store::OutboxItem> claimed,
                         std::shared_ptr<const MessagePayload> message) = 0;
};

}  // namespace bridgebot::bridge
