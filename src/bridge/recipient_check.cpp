#include "bridgebot/bridge/recipient_check.h"

#include "bridgebot/bridge/relay_rules.h"

namespace bridgebot::bridge {

void decide_recipient(RecipientCheck& check, const core::RelayConfig& relay) {
  check.can_receive = false;
  if (!check.slack_user && !check.link) {
    check.reason_code = "not_in_slack";
    check.reason =
        "No active member of this Slack workspace has the email " + check.email +
        " (not invited, deactivated, or a bot): invite them to the workspace, or correct the "
        "email on the platform.";
    return;
  }
  if (relay.require_recipient_link && !check.link) {
    check.reason_code = "not_linked";
    check.reason =
        "They are in Slack but have not linked their account, and relay.require_recipient_link "
        "is on: they link once (the platform calls PUT /v1/users/{id}/link, or they use "
        "Connect), or turn relay.require_recipient_link off.";
    return;
  }
  check.can_receive = true;
  check.reason_code.clear();
  check.reason.clear();
}

Result<RecipientCheck> check_recipient(store::Store& store, Directory& directory,
                                       const core::RelayConfig& relay, std::string_view team_id,
                                       std::string_view email) {
  auto installation = store.get_installation(team_id);
  if (!installation.ok()) return installation.error();
  if (!installation->has_value() || (*installation)->state != store::InstallationState::active) {
    return make_error("unknown_team", "workspace " + std::string(team_id) + " is not installed");
  }
  RecipientCheck check;
  check.team_id = std::string(team_id);
  check.email = normalize_email(email);
  auto links = store.links_of_team(team_id);
  if (!links.ok()) return links.error();
  for (const auto& link : *links) {
    if (normalize_email(link.email) == check.email) check.link = link;
  }
  auto user = directory.find_by_email(team_id, check.email);
  if (!user.ok()) return user.error();
  check.slack_user = *user;
  decide_recipient(check, relay);
  return check;
}

}  // namespace bridgebot::bridge
