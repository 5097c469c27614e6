#include "bridgebot/bridge/installation_service.h"

#include <spdlog/spdlog.h>

#include "bridgebot/bridge/workspace_domain.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/executor.h"
#include "bridgebot/core/log.h"
#include "bridgebot/slack/scopes.h"
#include "installation_errors.h"

namespace bridgebot::bridge {

InstallationService::InstallationService(store::Store& store, slack::SlackApi& slack,
                                         const core::SecretBox& box, const core::Clock& clock,
                                         InstallationServiceOptions options)
    : store_(store),
      slack_(slack),
      box_(box),
      clock_(clock),
      options_(std::move(options)),
      lease_owner_("installs-" + core::random_token(9)) {
  if (options_.oauth) core::register_secret(options_.oauth->client_secret);
}

std::string InstallationService::bot_token_context(std::string_view team_id) {
  return "bot_token:" + std::string(team_id);
}
std::string InstallationService::refresh_token_context(std::string_view team_id) {
  return "refresh_token:" + std::string(team_id);
}
std::string InstallationService::webhook_context(std::string_view team_id) {
  return "webhook:" + std::string(team_id);
}
std::string InstallationService::user_token_context(std::string_view team_id,
                                                    std::string_view user_id) {
  return "user_token:" + std::string(team_id) + ":" + std::string(user_id);
}
std::string InstallationService::user_refresh_token_context(std::string_view team_id,
                                                            std::string_view user_id) {
  return "user_refresh_token:" + std::string(team_id) + ":" + std::string(user_id);
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
    const std::string& bot_token, const std::string& workspace_domain, bool* created) {
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
  auto missing = missing_scopes(auth->scopes);
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
    inst = store::Installation{};  // nothing of a disconnected install carries over
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
  if (created)
    *created = !existing->has_value() || (*existing)->state != store::InstallationState::active;
  spdlog::info("installed workspace {} ({}) with bot user {}", inst.team_id, inst.domain,
               inst.bot_user_id);
  return inst;
}

Result<store::Installation> InstallationService::install_oauth(const slack::OAuthAccess& access) {
  core::register_secret(access.access_token);
  if (!access.refresh_token.empty()) core::register_secret(access.refresh_token);
  if (access.incoming_webhook) core::register_secret(access.incoming_webhook->url);
  if (access.token_type != "bot" || access.team.id.empty()) {
    return make_error("invalid_response", "Slack's answer held no bot token for a workspace");
  }
  // oauth.v2.access does not tell the domain; auth.test does.
  auto auth = slack_.auth_test({access.team.id, access.access_token});
  if (!auth.ok()) return auth.error();
  auto domain = normalize_workspace_domain(auth->url);
  if (!domain.ok()) return domain.error();

  auto existing = store_.get_installation(access.team.id);
  if (!existing.ok()) return existing.error();
  store::Installation inst = existing->value_or(store::Installation{});
  const auto now = clock_.unix_seconds();
  if (!existing->has_value() || (*existing)->state == store::InstallationState::revoked) {
    inst = store::Installation{};
    inst.installed_at = now;
  }
  inst.team_id = access.team.id;
  inst.team_name = access.team.name;
  inst.enterprise_id = access.enterprise_id;
  inst.domain = *domain;
  inst.bot_user_id = access.bot_user_id;
  inst.bot_id = auth->bot_id;
  inst.app_id = access.app_id;
  inst.scopes = split_scope_list(access.scope);
  inst.bot_token = seal(access.access_token, bot_token_context(inst.team_id));
  inst.refresh_token = seal(access.refresh_token, refresh_token_context(inst.team_id));
  inst.token_expires_at.reset();
  if (access.expires_in) inst.token_expires_at = now + *access.expires_in;
  if (access.incoming_webhook) {
    const auto& hook = *access.incoming_webhook;
    inst.incoming_webhook =
        store::IncomingWebhook{hook.channel, hook.channel_id, hook.configuration_url,
                               seal(hook.url, webhook_context(inst.team_id))};
  }
  inst.state = store::InstallationState::active;
  inst.updated_at = now;
  if (auto put = store_.put_installation(inst); !put.ok()) return put.error();
  spdlog::info("installed workspace {} ({}) through OAuth{}", inst.team_id, inst.domain,
               inst.token_expires_at ? " with token rotation" : "");
  return inst;
}

namespace {

// The last stamp active() read as active on this thread, while no send has used it yet.
struct FreshStamp {
  const InstallationService* service = nullptr;
  std::uint64_t turn = 0;  // core::Executor::turn(); 0: none
  std::string team_id;
};
thread_local FreshStamp fresh_stamp;

void note_active_stamp(const InstallationService* service, std::string_view team_id) {
  const std::uint64_t turn = core::Executor::turn();
  fresh_stamp.turn = turn;
  if (turn == 0) return;
  fresh_stamp.service = service;
  fresh_stamp.team_id.assign(team_id);
}

// Whether this thread's last stamp was read active for `team_id` in this very job; it is used up.
bool take_fresh_stamp(const InstallationService* service, std::string_view team_id) {
  const std::uint64_t turn = core::Executor::turn();
  const bool fresh = turn != 0 && fresh_stamp.turn == turn && fresh_stamp.service == service &&
                     fresh_stamp.team_id == team_id;
  fresh_stamp.turn = 0;
  return fresh;
}

}  // namespace

Status InstallationService::may_post(std::string_view team_id) {
  if (take_fresh_stamp(this, team_id)) return Status::success();
  auto stamp = store_.installation_stamp(team_id);
  if (!stamp.ok()) return stamp.error();
  if (stamp->has_value() && (*stamp)->state == store::InstallationState::active) {
    return Status::success();
  }
  return make_error("team_disconnected", "the workspace was disconnected: nothing is sent");
}

Result<ActiveInstallation> InstallationService::active(std::string_view team_id) {
  auto shared = active_shared(team_id);
  if (!shared.ok()) return shared.error();
  return **shared;
}

Result<std::shared_ptr<const ActiveInstallation>> InstallationService::active_shared(
    std::string_view team_id) {
  auto stamp = store_.installation_stamp(team_id);
  if (!stamp.ok()) return stamp.error();
  if (!stamp->has_value() || (*stamp)->state != store::InstallationState::active) {
    fresh_stamp.turn = 0;
    cache_.forget(team_id);
    return unknown_team(team_id);
  }
  note_active_stamp(this, team_id);
  if (auto cached = cache_.find(team_id, (*stamp)->generation)) return cached;

  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    fresh_stamp.turn = 0;
    cache_.forget(team_id);
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
  out.generation = inst.generation;
  if (inst.incoming_webhook) {
    auto url = open(inst.incoming_webhook->url, webhook_context(inst.team_id));
    if (!url.ok()) return url.error();
    out.incoming_webhook_url = *url;
  }
  // Under the generation of the row just read: a change since the stamp is not missed.
  auto held = std::make_shared<const ActiveInstallation>(std::move(out));
  cache_.keep(held, inst.generation);
  return held;
}

std::vector<std::string> InstallationService::missing_scopes(
    const std::vector<std::string>& granted) const {
  return slack::missing_scopes(granted, options_.replies);
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

}  // namespace bridgebot::bridge
