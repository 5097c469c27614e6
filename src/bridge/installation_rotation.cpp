// Token rotation of InstallationService: the refresh grant, single flight across processes
// through store leases, and the sweep that refreshes tokens before they expire.
#include <spdlog/spdlog.h>

#include <thread>

#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/core/crypto.h"
#include "bridgebot/core/executor.h"
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

// The active installation of `team_id` as stored; unknown_team when there is none.
Result<store::Installation> active_record(store::Store& store, std::string_view team_id) {
  auto record = store.get_installation(team_id);
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->state != store::InstallationState::active) {
    return unknown_team(team_id);
  }
  return **record;
}

// The link `stale` was read from, as stored now.
Result<store::Link> current_link(store::Store& store, const store::Link& stale) {
  auto link = store.get_link(stale.team_id, stale.platform_user_id);
  if (!link.ok()) return link.error();
  if (!link->has_value()) return make_error("not_linked", "the user unlinked meanwhile");
  return **link;
}

// Someone refreshed (or dropped) the user token since `stale` was read.
bool token_changed(const store::Link& link, const store::Link& stale) {
  return !link.user_token || link.user_token->token != stale.user_token->token;
}

// A stop cut the wait for another refresher short: the caller's item goes back unsent.
Error stopping(std::string_view lease) {
  return make_error("cancelled",
                    "stopped while waiting for " + std::string(lease) + ": delivery is stopping",
                    true);
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

core::Task<bool> InstallationService::lease_pause(RefreshPath path) const {
  if (!path.awaited || options_.sleep) {
    pause(kWaitStep);
    co_return true;
  }
  co_return co_await core::sleep_for(kWaitStep);
}

bool InstallationService::held_here(const std::string& name) {
  std::lock_guard lock(held_mutex_);
  return held_.count(name) > 0;
}

void InstallationService::set_held_here(const std::string& name, bool held) {
  std::lock_guard lock(held_mutex_);
  if (held) {
    held_.insert(name);
  } else {
    held_.erase(name);
  }
}

template <typename T, typename Work, typename Changed>
core::Task<Result<T>> InstallationService::single_flight(RefreshPath path, std::string name,
                                                         Work work, Changed changed) {
  // A fresh owner per call: the store lets an owner re-take its own lease, and two callers in
  // this process must exclude each other too.
  const std::string owner = lease_owner_ + "/" + core::random_token(6);
  for (std::chrono::milliseconds waited{0};; waited += kWaitStep) {
    if (!held_here(name)) {
      auto held =
          store_.acquire_lease(name, owner, clock_.unix_seconds(), options_.lease_ttl.count());
      if (!held.ok()) co_return held.error();
      if (*held) {
        set_held_here(name, true);
        Result<T> result = co_await work();
        if (auto released = store_.release_lease(name, owner); !released.ok()) {
          spdlog::warn("could not release lease {}: {}", name, released.error().to_string());
        }
        set_held_here(name, false);
        co_return result;
      }
    }
    if (waited >= options_.lease_wait) break;
    const bool elapsed = co_await lease_pause(path);
    if (!elapsed) co_return stopping(name);
    std::optional<Result<T>> settled = changed();
    if (settled) co_return std::move(*settled);
  }
  co_return make_error("refresh_busy",
                       "another bridgebot process is refreshing this token; try again shortly",
                       true);
}

core::Task<Result<store::Installation>> InstallationService::refresh_bot(
    RefreshPath path, std::string team_id, store::Blob seen, bool only_if_due, bool* exchanged) {
  auto work = [&] { return refresh_if_stale(path, team_id, seen, only_if_due, exchanged); };
  auto changed = [&]() -> std::optional<Result<store::Installation>> {
    auto inst = active_record(store_, team_id);
    if (!inst.ok() || inst->bot_token != seen) return inst;
    return std::nullopt;
  };
  std::string lease = "refresh:" + team_id;
  co_return co_await single_flight<store::Installation>(path, std::move(lease), work, changed);
}

core::Task<Result<store::Installation>> InstallationService::refresh_if_stale(
    RefreshPath path, std::string team_id, store::Blob seen, bool only_if_due, bool* exchanged) {
  auto inst = active_record(store_, team_id);
  if (!inst.ok()) co_return inst;
  // Someone refreshed while we waited for the lease: their pair is the live one.
  if (inst->bot_token != seen) co_return inst;
  if (only_if_due && !due(inst->token_expires_at)) co_return inst;
  if (exchanged) *exchanged = true;
  co_return co_await exchange_refresh(path, std::move(*inst));
}

core::Task<Result<slack::OAuthAccess>> InstallationService::oauth_refresh(
    RefreshPath path, std::string refresh_token) {
  slack::OAuthClient client = *options_.oauth;
  slack::OAuthGrant grant = slack::OAuthGrant::refresh(std::move(refresh_token));
  if (!path.awaited) co_return path.slack.oauth_v2_access(client, grant);
  co_return co_await path.slack.oauth_v2_access_async(std::move(client), std::move(grant));
}

core::Task<Result<store::Installation>> InstallationService::exchange_refresh(
    RefreshPath path, store::Installation inst) {
  if (inst.refresh_token.empty()) co_return not_rotating(inst.team_id);
  if (!options_.oauth) co_return oauth_not_configured();
  auto refresh = open(inst.refresh_token, refresh_token_context(inst.team_id));
  if (!refresh.ok()) co_return refresh.error();
  auto access = co_await oauth_refresh(path, std::move(*refresh));
  if (!access.ok()) {
    spdlog::warn("refreshing the token of {} failed: {}", inst.team_id, access.error().to_string());
    co_return refresh_failed(inst.team_id, access.error());
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
  // Stored before anyone uses it: the old pair died with this exchange.
  if (auto put = store_.put_installation(inst); !put.ok()) co_return put.error();
  spdlog::info("refreshed the bot token of {}; it now expires in {} s", inst.team_id,
               inst.token_expires_at ? *inst.token_expires_at - now : 0);
  co_return inst;
}

Result<ActiveInstallation> InstallationService::refresh_expired(std::string_view team_id,
                                                                std::string_view expired_token) {
  // Named, then passed: GCC 12 destroys a temporary passed to a coroutine twice.
  const RefreshPath path = blocking();
  std::string team(team_id);
  std::string token(expired_token);
  return core::run_inline(refresh_expired_via(path, std::move(team), std::move(token)));
}

core::Task<Result<ActiveInstallation>> InstallationService::refresh_expired_async(
    slack::SlackApi& slack, std::string team_id, std::string expired_token) {
  const RefreshPath path{slack, true};
  return refresh_expired_via(path, std::move(team_id), std::move(expired_token));
}

core::Task<Result<ActiveInstallation>> InstallationService::refresh_expired_via(
    RefreshPath path, std::string team_id, std::string expired_token) {
  auto record = active_record(store_, team_id);
  if (!record.ok()) co_return record.error();
  if (!expired_token.empty()) {
    auto stored = open(record->bot_token, bot_token_context(team_id));
    if (!stored.ok()) co_return stored.error();
    // Refreshed since the caller read its token: the stored pair is the live one, and spending
    // it again would expire the token the other workers are using now.
    if (*stored != expired_token) co_return active(team_id);
  }
  if (record->refresh_token.empty()) co_return cannot_refresh(team_id);
  auto refreshed = co_await refresh_bot(path, team_id, record->bot_token, false);
  if (!refreshed.ok()) co_return refreshed.error();
  co_return active(team_id);
}

Result<store::Installation> InstallationService::rotate(std::string_view team_id) {
  auto record = active_record(store_, team_id);
  if (!record.ok()) return record.error();
  if (record->refresh_token.empty()) return not_rotating(team_id);
  const RefreshPath path = blocking();
  std::string team(team_id);
  return core::run_inline(refresh_bot(path, std::move(team), record->bot_token, false));
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
    const RefreshPath path = blocking();
    auto refreshed =
        core::run_inline(refresh_bot(path, inst.team_id, inst.bot_token, true, &exchanged));
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
  const RefreshPath path = blocking();
  std::string team(team_id);
  std::string user(platform_user_id);
  return core::run_inline(connected_user_token_via(path, std::move(team), std::move(user)));
}

core::Task<Result<std::optional<std::string>>> InstallationService::connected_user_token_async(
    slack::SlackApi& slack, store::Link link) {
  const RefreshPath path{slack, true};
  return connected_user_token_of(path, std::move(link));
}

core::Task<Result<std::optional<std::string>>> InstallationService::connected_user_token_via(
    RefreshPath path, std::string team_id, std::string platform_user_id) {
  auto link = store_.get_link(team_id, platform_user_id);
  if (!link.ok()) co_return link.error();
  if (!link->has_value()) co_return std::optional<std::string>{};
  co_return co_await connected_user_token_of(path, std::move(**link));
}

core::Task<Result<std::optional<std::string>>> InstallationService::connected_user_token_of(
    RefreshPath path, store::Link current) {
  if (!current.user_token) co_return std::optional<std::string>{};
  const std::string team_id = current.team_id;
  if (!current.user_token->refresh_token.empty() && due(current.user_token->expires_at)) {
    auto refreshed = co_await refresh_user(path, current);
    if (!refreshed.ok()) co_return refreshed.error();
    current = std::move(*refreshed);
    if (!current.user_token) co_return std::optional<std::string>{};
  }
  auto token = open(current.user_token->token, user_token_context(team_id, current.slack_user_id));
  if (!token.ok()) co_return token.error();
  co_return std::optional<std::string>{*token};
}

core::Task<Result<store::Link>> InstallationService::refresh_user(RefreshPath path,
                                                                  store::Link stale) {
  auto work = [&] { return refresh_user_if_stale(path, stale); };
  auto changed = [&]() -> std::optional<Result<store::Link>> {
    auto link = current_link(store_, stale);
    if (!link.ok() || token_changed(*link, stale)) return link;
    return std::nullopt;
  };
  std::string lease = "refresh:" + stale.team_id + ":" + stale.platform_user_id;
  co_return co_await single_flight<store::Link>(path, std::move(lease), work, changed);
}

core::Task<Result<store::Link>> InstallationService::refresh_user_if_stale(RefreshPath path,
                                                                           store::Link stale) {
  auto link = current_link(store_, stale);
  if (!link.ok() || token_changed(*link, stale) || !due(link->user_token->expires_at)) {
    co_return link;
  }
  co_return co_await exchange_user_refresh(path, std::move(*link));
}

core::Task<Result<store::Link>> InstallationService::exchange_user_refresh(RefreshPath path,
                                                                           store::Link link) {
  if (!options_.oauth) co_return oauth_not_configured();
  auto& held = *link.user_token;
  auto refresh =
      open(held.refresh_token, user_refresh_token_context(link.team_id, link.slack_user_id));
  if (!refresh.ok()) co_return refresh.error();
  auto access = co_await oauth_refresh(path, std::move(*refresh));
  if (!access.ok()) {
    co_return refresh_failed("user " + link.platform_user_id + " (connect again)", access.error());
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
  if (auto put = store_.put_link(link); !put.ok()) co_return put.error();
  spdlog::info("refreshed the user token of {} in {}", link.platform_user_id, link.team_id);
  co_return link;
}

}  // namespace bridgebot::bridge
