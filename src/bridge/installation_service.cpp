#include "bridgebot/bridge/installation_service.h"

#include <spdlog/spdlog.h>

#include "bridgebot/bridge/workspace_domain.h"
#include "bridgebot/core/log.h"
#include "bridgebot/slack/scopes.h"

namespace bridgebot::bridge {
namespace {

Error unknown_team(std::string_view team_id) {
  return make_error("unknown_team", "workspace " + std::string(team_id) +
                                        " is not installed (install it, or check team_id)");
}

Error with_field(Error e, std::string field) {
  e.field = std::move(field);
  return e;
}

}  // namespace

InstallationService::InstallationService(store::Store& store, slack::SlackApi& slack,
                                         const core::SecretBox& box, const core::Clock& clock)
    : store_(store), slack_(slack), box_(box), clock_(clock) {}

std::string InstallationService::bot_token_context(std::string_view team_id) {
  return "bot_token:" + std::string(team_id);
}
std::string InstallationService::webhook_context(std::string_view team_id) {
  return "webhook:" + std::string(team_id);
}
std::string InstallationService::user_token_context(std::string_view team_id,
                                                    std::string_view user_id) {
  return "user_token:" + std::string(team_id) + ":" + std::string(user_id);
}

store::Blob InstallationService::seal(std::string_view plaintext,
                                      const std::string& context) const {
  if (plaintext.empty()) return {};
  auto sealed = box_.seal(plaintext, context);
  if (!sealed.ok()) return {};  // AES-GCM with a valid key does not fail
  return store::Blob(sealed->begin(), sealed->end());
}

Result<std::string> InstallationService::open(const store::Blob& blob,
                                              const std::string& context) const {
  if (blob.empty()) return std::string();
  auto plain = box_.open(std::string(blob.begin(), blob.end()), context);
  if (plain.ok()) core::register_secret(*plain);
  return plain;
}

Result<store::Installation> InstallationService::install_bot_token(
    const std::string& bot_token, const std::string& workspace_domain) {
  auto domain = normalize_workspace_domain(workspace_domain);
  if (!domain.ok()) return domain.error();
  if (bot_token.rfind("xoxb-", 0) != 0 && bot_token.rfind("xoxe.xoxb-", 0) != 0) {
    return with_field(make_error("invalid_token", "bot_token must be a bot token (xoxb-…)"),
                      "bot_token");
  }
  core::register_secret(bot_token);
  auto auth = slack_.auth_test({"", bot_token});
  if (!auth.ok()) return with_field(auth.error(), "bot_token");
  auto token_domain = normalize_workspace_domain(auth->url);
  if (!token_domain.ok() || *token_domain != *domain) {
    return with_field(
        make_error("domain_mismatch", "the token belongs to workspace '" +
                                          (token_domain.ok() ? *token_domain : auth->url) +
                                          "', not '" + *domain + "'"),
        "workspace_domain");
  }
  auto missing = slack::missing_scopes(auth->scopes);
  if (!missing.empty()) {
    std::string list;
    for (const auto& scope : missing) list += (list.empty() ? "" : ", ") + scope;
    return with_field(
        make_error("missing_scopes", "the token lacks " + list +
                                         ": add them under OAuth & Permissions > Bot Token Scopes, "
                                         "then reinstall the app"),
        "bot_token");
  }
  auto existing = store_.get_installation(auth->team_id);
  if (!existing.ok()) return existing.error();
  store::Installation inst = existing->value_or(store::Installation{});
  const auto now = clock_.unix_seconds();
  if (!existing->has_value() || (*existing)->state == store::InstallationState::revoked) {
    inst.installed_at = now;
  }
  inst.team_id = auth->team_id;
  inst.enterprise_id = auth->enterprise_id;
  inst.domain = *domain;
  inst.team_name = auth->team;
  inst.bot_user_id = auth->user_id;
  inst.bot_id = auth->bot_id;
  inst.scopes = auth->scopes;
  inst.bot_token = seal(bot_token, bot_token_context(auth->team_id));
  inst.refresh_token.clear();
  inst.token_expires_at.reset();
  inst.state = store::InstallationState::active;
  inst.updated_at = now;
  if (auto put = store_.put_installation(inst); !put.ok()) return put.error();
  spdlog::info("installed workspace {} ({}) with bot user {}", inst.team_id, inst.domain,
               inst.bot_user_id);
  return inst;
}

Result<ActiveInstallation> InstallationService::active(std::string_view team_id) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  const store::Installation& inst = **record;
  auto token = open(inst.bot_token, bot_token_context(inst.team_id));
  if (!token.ok()) return token.error();
  ActiveInstallation out;
  out.team_id = inst.team_id;
  out.domain = inst.domain;
  out.bot_user_id = inst.bot_user_id;
  out.bot_token = *token;
  out.scopes = inst.scopes;
  out.sender_identity = inst.sender_identity;
  out.notification_channel = inst.notification_channel;
  if (inst.incoming_webhook) {
    auto url = open(inst.incoming_webhook->url, webhook_context(inst.team_id));
    if (!url.ok()) return url.error();
    out.incoming_webhook_url = *url;
  }
  return out;
}

Result<ActiveInstallation> InstallationService::refresh_expired(std::string_view team_id) {
  return make_error("token_expired", "the bot token of " + std::string(team_id) +
                                         " expired and does not rotate here: paste a new token "
                                         "(POST /v1/installations) or reinstall the app");
}

std::vector<std::string> InstallationService::active_team_ids() {
  std::vector<std::string> ids;
  auto all = store_.list_installations();
  if (!all.ok()) return ids;
  for (const auto& inst : *all) {
    if (inst.state == store::InstallationState::active) ids.push_back(inst.team_id);
  }
  return ids;
}

Result<std::optional<std::string>> InstallationService::connected_user_token(
    std::string_view team_id, std::string_view platform_user_id) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) return link.error();
  if (!link->has_value() || !(*link)->user_token) return std::optional<std::string>{};
  auto token =
      open((*link)->user_token->token, user_token_context(team_id, (*link)->slack_user_id));
  if (!token.ok()) return token.error();
  return std::optional<std::string>{*token};
}

}  // namespace bridgebot::bridge
