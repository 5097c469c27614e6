// The admin's Edit and Disconnect, and personal Connect user tokens, of InstallationService.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/bridge/masked_email.h"
#include "bridgebot/bridge/workspace_domain.h"
#include "bridgebot/core/log.h"
#include "installation_errors.h"

namespace bridgebot::bridge {
namespace {

// Channel ids as Slack writes them: C…/G… (or D… for a DM), upper-case letters and digits.
bool is_channel_id(std::string_view id) {
  if (id.size() < 2 || (id[0] != 'C' && id[0] != 'G' && id[0] != 'D')) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z');
  });
}

std::string normalized_email(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

}  // namespace

Result<store::Installation> InstallationService::edit(std::string_view team_id,
                                                      const InstallationEdit& changes) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  store::Installation inst = **record;
  if (changes.notification_channel && !changes.notification_channel->empty() &&
      !is_channel_id(*changes.notification_channel)) {
    return with_field(make_error("invalid_field",
                                 "notification_channel must be a channel id such as C0123456 "
                                 "(right-click the channel > Copy link: the last part)"),
                      "notification_channel");
  }
  if (changes.workspace_domain) {
    auto domain = normalize_workspace_domain(*changes.workspace_domain);
    if (!domain.ok()) return domain.error();
    auto current = active(team_id);
    if (!current.ok()) return current.error();
    auto auth = slack_.auth_test({inst.team_id, current->bot_token});
    if (!auth.ok()) return with_field(auth.error(), "workspace_domain");
    auto token_domain = normalize_workspace_domain(auth->url);
    if (!token_domain.ok() || *token_domain != *domain) {
      return with_field(
          make_error("domain_mismatch", "the installation belongs to workspace '" +
                                            (token_domain.ok() ? *token_domain : auth->url) +
                                            "', not '" + *domain + "'"),
          "workspace_domain");
    }
    inst.domain = *domain;
  }
  if (changes.notification_channel) inst.notification_channel = *changes.notification_channel;
  if (changes.sender_identity) inst.sender_identity = *changes.sender_identity;
  inst.updated_at = clock_.unix_seconds();
  if (auto put = store_.put_installation(inst); !put.ok()) return put.error();
  return inst;
}

Result<ConnectionReport> InstallationService::test_connection(std::string_view team_id,
                                                              std::string socket_mode) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  auto current = active(team_id);
  if (!current.ok()) return current.error();
  ConnectionReport report = bridge::test_connection(slack_, {current->team_id, current->bot_token},
                                                    std::move(socket_mode), options_.replies);
  report.token_expires_at = (*record)->token_expires_at;
  report.post_message_per_workspace_per_minute = options_.post_message_per_workspace_per_minute;
  if (report.team_id.empty()) report.team_id = std::string(team_id);
  if (report.domain.empty()) report.domain = current->domain;
  if (report.error == "token_expired" && (*record)->refresh_token.empty()) {
    report.action = "Paste a new bot token (POST /v1/installations): this token does not rotate";
  }
  auto failing = store_.failing_destinations(team_id);
  if (!failing.ok()) return failing.error();
  add_destination_problems(report, *failing);
  if (!options_.zendesk_sources.empty()) {
    auto activity = store_.source_activity();
    if (!activity.ok()) return activity.error();
    add_source_reports(report, team_id, options_.zendesk_sources, *activity);
  }
  return report;
}

Result<DisconnectOutcome> InstallationService::disconnect(std::string_view team_id) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  DisconnectOutcome outcome;
  bool slack_unreachable = false;
  auto token = open((*record)->bot_token, bot_token_context(team_id));
  if (!token.ok()) {
    outcome.revoke_error = token.error().to_string();
  } else if (auto revoked = slack_.auth_revoke({std::string(team_id), *token}); revoked.ok()) {
    outcome.token_revoked = true;
  } else {
    // Slack unreachable or the token already dead: the admin asked to disconnect, so the data
    // goes anyway; the response says the token may still be live at Slack.
    outcome.revoke_error = revoked.error().to_string();
    slack_unreachable = revoked.error().transient;
    spdlog::warn("disconnect {}: auth.revoke failed ({}); purging anyway", team_id,
                 outcome.revoke_error);
  }
  auto links = store_.links_of_team(team_id);
  if (!links.ok()) return links.error();
  for (const store::Link& link : *links) {
    if (!link.user_token) continue;
    ++outcome.user_tokens;
    // With Slack unreachable, one try per user would only make the admin wait.
    if (!slack_unreachable && revoke_at_slack(link)) ++outcome.user_tokens_revoked;
  }
  auto purged = store_.purge_team(team_id, clock_.unix_seconds());
  if (!purged.ok()) return purged.error();
  cache_.forget(team_id);  // the token is dead: not even a copy stays
  outcome.purged = *purged;
  spdlog::info(
      "disconnected workspace {}: {} links ({} user tokens, {} revoked) and {} queued items "
      "deleted",
      team_id, outcome.purged.links, outcome.user_tokens, outcome.user_tokens_revoked,
      outcome.purged.outbox_items);
  return outcome;
}

Result<store::Link> InstallationService::connect_user(std::string_view team_id,
                                                      std::string_view platform_user_id,
                                                      std::string_view platform_email,
                                                      const slack::OAuthAccess& access) {
  const auto& user = access.authed_user;
  if (user.access_token.empty() || user.id.empty()) {
    return make_error("invalid_response", "Slack's answer held no user token");
  }
  core::register_secret(user.access_token);
  if (!user.refresh_token.empty()) core::register_secret(user.refresh_token);
  if (!access.team.id.empty() && access.team.id != team_id) {
    return make_error("wrong_workspace", "you allowed access in another Slack workspace than " +
                                             std::string(team_id) + ": pick that workspace");
  }
  auto bot = active(team_id);
  if (!bot.ok()) return bot.error();
  auto slack_user = slack_.users_info({bot->team_id, bot->bot_token}, user.id);
  if (!slack_user.ok()) return slack_user.error();
  if (slack_user->email.empty() ||
      normalized_email(slack_user->email) != normalized_email(platform_email)) {
    // The user token is of no use to us: give it back rather than leave it live at Slack.
    (void)slack_.auth_revoke({std::string(team_id), user.access_token});
    return make_error("email_mismatch", "your Slack account's email is " +
                                            mask_email(slack_user->email) +
                                            ", which is not the email of your platform account: "
                                            "sign in to Slack with the same email and try again");
  }
  const auto now = clock_.unix_seconds();
  store::Link link;
  link.team_id = std::string(team_id);
  link.platform_user_id = std::string(platform_user_id);
  link.slack_user_id = user.id;
  link.email = normalized_email(platform_email);
  link.linked_at = now;
  store::UserToken held;
  held.token = seal(user.access_token, user_token_context(team_id, user.id));
  held.refresh_token = seal(user.refresh_token, user_refresh_token_context(team_id, user.id));
  if (user.expires_in) held.expires_at = now + *user.expires_in;
  link.user_token = std::move(held);
  if (auto put = store_.put_link(link); !put.ok()) return put.error();
  spdlog::info("platform user {} connected Slack user {} in {}", link.platform_user_id,
               link.slack_user_id, link.team_id);
  return link;
}

Status InstallationService::revoke_user_token(std::string_view team_id,
                                              std::string_view platform_user_id) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) return link.error();
  if (!link->has_value() || !(*link)->user_token) return Status::success();
  store::Link current = **link;
  (void)revoke_at_slack(current);
  current.user_token.reset();
  return store_.put_link(current);
}

bool InstallationService::revoke_at_slack(const store::Link& link) {
  auto token = open(link.user_token->token, user_token_context(link.team_id, link.slack_user_id));
  Status revoked = token.ok() ? slack_.auth_revoke({link.team_id, *token}) : Status(token.error());
  if (!revoked.ok()) {
    spdlog::warn("revoking the user token of {} in {} failed ({}); dropping it anyway",
                 link.platform_user_id, link.team_id, revoked.error().to_string());
  }
  return revoked.ok();
}

}  // namespace bridgebot::bridge
