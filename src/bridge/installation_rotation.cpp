// Token rotation of InstallationService: the refresh grant, single flight across processes
// through store leases, and the sweep that refreshes tokens before they expire.
#include <spdlog/spdlog.h>

#include <thread>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/log.h"
#include "installation_errors.h"

namespace bridgebot::bridge {
namespace {

constexpr std::chrono::milliseconds kWaitStep{100};

Error not_rotating(std::string_view team_id) {
  return make_error("not_rotating", "the token of " + std::string(team_id) +
                                        " does not expire, so there is nothing to rotate");
}

Error cannot_refresh(std::string_view team_id) {
  return make_error("token_expired", "the bot token of " + std::string(team_id) +
                                         " expired and cannot be refreshed here: paste a new token "
                                         "(POST /v1/installations) or reinstall the app");
}

Error oauth_not_configured() {
  return make_error("oauth_not_configured",
                    "refreshing a rotating token needs slack.oauth.client_id and client_secret "
                    "in the configuration");
}

// Slack's refresh errors mean the pair is spent or revoked: only a reinstall helps.
Error refresh_failed(std::string_view what, Error e) {
  if (e.code == "invalid_refresh_token" || e.code == "invalid_grant") {
    e.message = "the refresh token of " + std::string(what) +
                " no longer works (spent or revoked): reinstall the app (Add to Slack)";
  }
  return e;
}

}  // namespace

bool InstallationService::due(const std::optional<store::UnixSeconds>& expires_at) const {
  return expires_at && *expires_at - clock_.unix_seconds() <= options_.refresh_margin.count();
}

void InstallationService::pause(std::chrono::milliseconds wait) const {
  if (options_.sleep) {
    options_.sleep(wait);
  } else {
    std::this_thread::sleep_for(wait);
  }
}

template <typename T, typename Work, typename Changed>
Result<T> InstallationService::single_flight(const std::string& name, Work work, Changed changed) {
  // A fresh owner per call: the store lets an owner re-take its own lease, and two threads of
  // this process must exclude each other too.
  const std::string owner = lease_owner_ + "/" + core::random_token(6);
  for (std::chrono::milliseconds waited{0};; waited += kWaitStep) {
    auto held =
        store_.acquire_lease(name, owner, clock_.unix_seconds(), options_.lease_ttl.count());
    if (!held.ok()) return held.error();
    if (*held) {
      Result<T> result = work();
      if (auto released = store_.release_lease(name, owner); !released.ok()) {
        spdlog::warn("could not release lease {}: {}", name, released.error().to_string());
      }
      return result;
    }
    if (waited >= options_.lease_wait) break;
    pause(kWaitStep);
    std::optional<Result<T>> settled = changed();
    if (settled) return std::move(*settled);
  }
  return make_error("refresh_busy",
                    "another bridgebot process is refreshing this token; try again shortly", true);
}

Result<store::Installation> InstallationService::refresh_bot(std::string_view team_id,
                                                             const store::Blob& seen,
                                                             bool only_if_due, bool* exchanged) {
  auto read = [&]() -> Result<store::Installation> {
    auto record = store_.get_installation(team_id);
    if (!record.ok()) return record.error();
    if (!record->has_value() || (*record)->state != store::InstallationState::active) {
      return unknown_team(team_id);
    }
    return **record;
  };
  return single_flight<store::Installation>(
      "refresh:" + std::string(team_id),
      [&]() -> Result<store::Installation> {
        auto inst = read();
        if (!inst.ok()) return inst;
        // Someone refreshed while we waited for the lease: their pair is the live one.
        if (inst->bot_token != seen) return inst;
        if (only_if_due && !due(inst->token_expires_at)) return inst;
        if (exchanged) *exchanged = true;
        return exchange_refresh(std::move(*inst));
      },
      [&]() -> std::optional<Result<store::Installation>> {
        auto inst = read();
        if (!inst.ok() || inst->bot_token != seen) return inst;
        return std::nullopt;
      });
}

Result<store::Installation> InstallationService::exchange_refresh(store::Installation inst) {
  if (inst.refresh_token.empty()) return not_rotating(inst.team_id);
  if (!options_.oauth) return oauth_not_configured();
  auto refresh = open(inst.refresh_token, refresh_token_context(inst.team_id));
  if (!refresh.ok()) return refresh.error();
  auto access = slack_.oauth_v2_access(*options_.oauth, slack::OAuthGrant::refresh(*refresh));
  if (!access.ok()) {
    spdlog::warn("refreshing the token of {} failed: {}", inst.team_id, access.error().to_string());
    return refresh_failed(inst.team_id, access.error());
  }
  core::register_secret(access->access_token);
  core::register_secret(access->refresh_token);
  const auto now = clock_.unix_seconds();
  inst.bot_token = seal(access->access_token, bot_token_context(inst.team_id));
  // Slack always answers a refresh with a new refresh token; keep the old one only if it did not.
  if (!access->refresh_token.empty()) {
    inst.refresh_token = seal(access->refresh_token, refresh_token_context(inst.team_id));
  }
  if (access->expires_in) inst.token_expires_at = now + *access->expires_in;
  inst.updated_at = now;
  if (auto put = store_.put_installation(inst); !put.ok()) return put.error();
  spdlog::info("refreshed the bot token of {}; it now expires in {} s", inst.team_id,
               inst.token_expires_at ? *inst.token_expires_at - now : 0);
  return inst;
}

Result<ActiveInstallation> InstallationService::refresh_expired(std::string_view team_id,
                                                                std::string_view expired_token) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  if (!expired_token.empty()) {
    auto stored = open((*record)->bot_token, bot_token_context(team_id));
    if (!stored.ok()) return stored.error();
    // Refreshed since the caller read its token: the stored pair is the live one, and spending
    // it again would expire the token the other workers are using now.
    if (*stored != expired_token) return active(team_id);
  }
  if ((*record)->refresh_token.empty()) return cannot_refresh(team_id);
  auto refreshed = refresh_bot(team_id, (*record)->bot_token, false);
  if (!refreshed.ok()) return refreshed.error();
  return active(team_id);
}

Result<store::Installation> InstallationService::rotate(std::string_view team_id) {
  auto record = store_.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  if ((*record)->refresh_token.empty()) return not_rotating(team_id);
  return refresh_bot(team_id, (*record)->bot_token, false);
}

RefreshSweep InstallationService::refresh_due() {
  RefreshSweep sweep;
  auto all = store_.list_installations();
  if (!all.ok()) {
    spdlog::warn("token refresh sweep: {}", all.error().to_string());
    ++sweep.failed;
    return sweep;
  }
  for (const auto& inst : *all) {
    if (inst.state != store::InstallationState::active || inst.refresh_token.empty() ||
        !due(inst.token_expires_at)) {
      continue;
    }
    bool exchanged = false;
    auto refreshed = refresh_bot(inst.team_id, inst.bot_token, true, &exchanged);
    if (refreshed.ok()) {
      if (exchanged) ++sweep.refreshed;
    } else {
      ++sweep.failed;
      spdlog::error("the bot token of {} expires at {} and could not be refreshed: {}",
                    inst.team_id, *inst.token_expires_at, refreshed.error().to_string());
    }
  }
  return sweep;
}

Result<std::optional<std::string>> InstallationService::connected_user_token(
    std::string_view team_id, std::string_view platform_user_id) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) return link.error();
  if (!link->has_value() || !(*link)->user_token) return std::optional<std::string>{};
  store::Link current = **link;
  if (!current.user_token->refresh_token.empty() && due(current.user_token->expires_at)) {
    auto refreshed = refresh_user(current);
    if (!refreshed.ok()) return refreshed.error();
    current = std::move(*refreshed);
    if (!current.user_token) return std::optional<std::string>{};
  }
  auto token = open(current.user_token->token, user_token_context(team_id, current.slack_user_id));
  if (!token.ok()) return token.error();
  return std::optional<std::string>{*token};
}

Result<store::Link> InstallationService::refresh_user(const store::Link& stale) {
  const store::Blob seen = stale.user_token->token;
  auto read = [&]() -> Result<store::Link> {
    auto link = store_.get_link(stale.team_id, stale.platform_user_id);
    if (!link.ok()) return link.error();
    if (!link->has_value()) return make_error("not_linked", "the user unlinked meanwhile");
    return **link;
  };
  auto changed = [&](const store::Link& link) {
    return !link.user_token || link.user_token->token != seen;
  };
  return single_flight<store::Link>(
      "refresh:" + stale.team_id + ":" + stale.platform_user_id,
      [&]() -> Result<store::Link> {
        auto link = read();
        if (!link.ok() || changed(*link) || !due(link->user_token->expires_at)) return link;
        return exchange_user_refresh(std::move(*link));
      },
      [&]() -> std::optional<Result<store::Link>> {
        auto link = read();
        if (!link.ok() || changed(*link)) return link;
        return std::nullopt;
      });
}

Result<store::Link> InstallationService::exchange_user_refresh(store::Link link) {
  if (!options_.oauth) return oauth_not_configured();
  auto& held = *link.user_token;
  auto refresh =
      open(held.refresh_token, user_refresh_token_context(link.team_id, link.slack_user_id));
  if (!refresh.ok()) return refresh.error();
  auto access = slack_.oauth_v2_access(*options_.oauth, slack::OAuthGrant::refresh(*refresh));
  if (!access.ok()) {
    return refresh_failed("user " + link.platform_user_id + " (connect again)", access.error());
  }
  // A user token's refresh answers with the user token at the top level.
  const std::string& token =
      access->access_token.empty() ? access->authed_user.access_token : access->access_token;
  const std::string& next_refresh =
      access->refresh_token.empty() ? access->authed_user.refresh_token : access->refresh_token;
  auto expires_in = access->expires_in ? access->expires_in : access->authed_user.expires_in;
  core::register_secret(token);
  core::register_secret(next_refresh);
  held.token = seal(token, user_token_context(link.team_id, link.slack_user_id));
  if (!next_refresh.empty()) {
    held.refresh_token =
        seal(next_refresh, user_refresh_token_context(link.team_id, link.slack_user_id));
  }
  if (expires_in) held.expires_at = clock_.unix_seconds() + *expires_in;
  if (auto put = store_.put_link(link); !put.ok()) return put.error();
  spdlog::info("refreshed the user token of {} in {}", link.platform_user_id, link.team_id);
  return link;
}

}  // namespace bridgebot::bridge
