// The admin console's user lookup: can the person with this email receive bridged DMs in one
// workspace, and if not, exactly why and what to do. The decision is the dispatcher's own
// (relay_delivery.cpp): a DM needs an active Slack user with the email and, while
// relay.require_recipient_link is on, a link.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/bridge/directory.h"
#include "bridgebot/core/config.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct RecipientCheck {
  std::string team_id;
  std::string email;                               // normalised
  std::optional<store::DirectoryUser> slack_user;  // the active Slack user with this email
  std::optional<store::Link> link;                 // a platform user's link to this person
  bool connected() const { return link && link->user_token.has_value(); }
  bool can_receive = false;
  std::string reason_code;  // "not_in_slack", "not_linked"; "" when can_receive
  std::string reason;       // the sentence an admin reads, with the fix
};

// Fills can_receive and the reason from what was found. Pure.
void decide_recipient(RecipientCheck& check, const core::RelayConfig& relay);

// Looks the email up (links of the team, then the directory: cache, then users.lookupByEmail)
// and decides. Errors: unknown_team, or Slack's and the store's. Blocks: run on a worker.
Result<RecipientCheck> check_recipient(store::Store& store, Directory& directory,
                                       const core::RelayConfig& relay, std::string_view team_id,
                                       std::string_view email);

}  // namespace bridgebot::bridge
