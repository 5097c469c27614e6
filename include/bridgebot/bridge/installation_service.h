// Installed workspaces over the Store, with every token sealed by the SecretBox. Implements the
// InstallationDirectory the dispatcher reads, and the admin's lifecycle operations: manual setup
// (paste a bot token and the workspace domain), OAuth installs, token rotation, edit, disconnect,
// and personal Connect user tokens.
//
// Token rotation: a rotating installation (refresh token + expiry) is refreshed by refresh_due()
// when 2 h or less remain, by refresh_expired() when Slack said token_expired, and by rotate() on
// the admin's request. Every refresh of one installation (or one user token) is single-flight
// across processes sharing the store: the refresher holds the lease "refresh:<team>" (user tokens:
// "refresh:<team>:<platform user>"); a caller that loses the race waits for the winner and
// re-reads the store instead of spending the refresh token a second time. The new access and
// refresh tokens are stored sealed in one put, before the new token is used.
//
// Thread-safe; calls block on the store and on Slack: run them on worker threads. The `_async`
// refreshes (installations.h) block on the store only: deliveries await Slack and the lease.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "bridgebot/bridge/connection_test.h"
#include "bridgebot/bridge/installation_cache.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct InstallationServiceOptions {
  // The app's OAuth client (slack.oauth): required to refresh rotating tokens; without it a
  // rotating token cannot be refreshed and the error says to configure slack.oauth.
  std::optional<slack::OAuthClient> oauth;
  // refresh_due() refreshes tokens with this much life left or less (the SDKs use 2 h).
  std::chrono::seconds refresh_margin{std::chrono::hours(2)};
  // How long a refresher holds the lease at most (a crashed refresher frees it after this).
  std::chrono::seconds lease_ttl{60};
  // How long a caller that lost the lease waits for the winner's result.
  std::chrono::milliseconds lease_wait{10'000};
  // Pause between looks at the store while waiting; default: this thread sleeps (an executor
  // timer for the `_async` refreshes). An injected one (tests) serves both.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Reported by test_connection with what each last received (sources.zendesk).
  std::vector<core::ZendeskSource> zendesk_sources;
  // Replies to bridged DMs are on: im:history is a required scope (install check, Test
  // Connection).
  bool replies = false;
  // The workspace-wide chat.postMessage pace the Web API client was given; reported by
  // test_connection (slack.rate_limits).
  int post_message_per_workspace_per_minute = slack::kDefaultPostMessagePerWorkspacePerMinute;
};

// PATCH /v1/installations/{team}: the fields present are changed.
struct InstallationEdit {
  std::optional<std::string> workspace_domain;
  std::optional<std::string> notification_channel;  // a channel id, or "" to fall back to webhook
  std::optional<bool> sender_identity;
};

// What Disconnect did.
struct DisconnectOutcome {
  bool token_revoked = false;  // auth.revoke succeeded
  std::string revoke_error;    // why it did not (Slack unreachable, token already dead), or ""
  // Personal Connect user tokens held for the workspace, and how many Slack revoked.
  int user_tokens = 0;
  int user_tokens_revoked = 0;
  store::PurgeCounts purged;
};

// What refresh_due() did in one sweep.
struct RefreshSweep {
  int refreshed = 0;  // tokens this sweep exchanged (another process may have done some)
  int failed = 0;     // each failure is logged with the team and the admin's next step
};

class InstallationService final : public InstallationDirectory {
 public:
  InstallationService(store::Store& store, slack::SlackApi& slack, const core::SecretBox& box,
                      const core::Clock& clock, InstallationServiceOptions options = {});

  // Manual setup: checks the token with auth.test, that `workspace_domain` names the token's
  // workspace (domain_mismatch), and the required scopes (missing_scopes, listing each); then
  // stores the installation with the token sealed. Errors carry Slack's code (invalid_auth, ...)
  // or ours, with Error::field set where one input is at fault.
  // `created` (optional) tells whether the workspace was not installed before.
  Result<store::Installation> install_bot_token(const std::string& bot_token,
                                                const std::string& workspace_domain,
                                                bool* created = nullptr);

  // OAuth install: stores what oauth.v2.access answered (bot token, refresh token + expiry when
  // rotating, the incoming webhook) after auth.test told the workspace domain. A workspace that
  // was installed before keeps its notification_channel and sender_identity.
  Result<store::Installation> install_oauth(const slack::OAuthAccess& access);

  // Reads the row's stamp; the row itself and its tokens only when it changed since the last
  // call (InstallationCache): exact across processes sharing the store.
  Result<ActiveInstallation> active(std::string_view team_id) override;
  Result<std::shared_ptr<const ActiveInstallation>> active_shared(
      std::string_view team_id) override;
  // Right before a send for `team_id` (the delivery's Slack client asks, after any pacing wait):
  // success while the installation is active, team_disconnected once it is not. The stamp that
  // active() read on this executor thread in the current job (core::Executor::turn) stands in
  // for a read of its own, once: nothing was awaited since, so it is as fresh as a read now
  // bar that job's CPU time. Any other call reads the stamp.
  Status may_post(std::string_view team_id);
  Result<ActiveInstallation> refresh_expired(std::string_view team_id,
                                             std::string_view expired_token) override;
  std::vector<std::string> active_team_ids() override;
  // The required bot scopes `granted` lacks: im:history too while replies are on.
  std::vector<std::string> missing_scopes(const std::vector<std::string>& granted) const;
  // Refreshes a rotating user token first when it has less than refresh_margin left.
  Result<std::optional<std::string>> connected_user_token(
      std::string_view team_id, std::string_view platform_user_id) override;
  core::Task<Result<ActiveInstallation>> refresh_expired_async(slack::SlackApi& slack,
                                                               std::string team_id,
                                                               std::string expired_token) override;
  core::Task<Result<std::optional<std::string>>> connected_user_token_async(
      slack::SlackApi& slack, store::Link link) override;

  // The timer's job (run it every few minutes): refreshes every rotating bot token that has
  // refresh_margin or less left. Safe to run in several processes at once.
  RefreshSweep refresh_due();
  // Re-generate token: refreshes now. not_rotating (409) when the token does not expire.
  Result<store::Installation> rotate(std::string_view team_id);

  // Test Connection of an installed workspace: auth.test with its token, the scope check, the
  // token's expiry and `socket_mode` (the supervisor's state). unknown_team when not installed.
  Result<ConnectionReport> test_connection(std::string_view team_id, std::string socket_mode);

  // Edit: domain (checked against the token's workspace with auth.test), default notification
  // channel, sender identity. Errors: unknown_team, invalid_domain, domain_mismatch,
  // invalid_field (a notification_channel that is not a channel id).
  Result<store::Installation> edit(std::string_view team_id, const InstallationEdit& edit);

  // Disconnect: auth.revoke of the bot token and of every personal Connect user token (best
  // effort: a failure is reported, never blocks the purge), then deletes everything held for the
  // workspace. unknown_team when it is not installed.
  Result<DisconnectOutcome> disconnect(std::string_view team_id);

  // Personal Connect: `access` is oauth.v2.access's answer for the user scope. Checks with
  // users.info (bot token) that the Slack account's email equals `platform_email` (ignoring case
  // and surrounding spaces); email_mismatch names the Slack email partly masked, and nothing is
  // stored. Otherwise stores the link with the user token sealed.
  Result<store::Link> connect_user(std::string_view team_id, std::string_view platform_user_id,
                                   std::string_view platform_email,
                                   const slack::OAuthAccess& access);
  // Unlink / tokens_revoked: revokes the user's token with auth.revoke (best effort) and drops it
  // from the link, which stays as an email-only link. Nothing to do when no token is held.
  Status revoke_user_token(std::string_view team_id, std::string_view platform_user_id);

  // Seal/open helpers with the context strings every caller must agree on.
  static std::string bot_token_context(std::string_view team_id);
  static std::string refresh_token_context(std::string_view team_id);
  static std::string webhook_context(std::string_view team_id);
  static std::string user_token_context(std::string_view team_id, std::string_view user_id);
  static std::string user_refresh_token_context(std::string_view team_id, std::string_view user_id);
  store::Blob seal(std::string_view plaintext, const std::string& context) const;
  Result<std::string> open(const store::Blob& blob, const std::string& context) const;

 private:
  // How a refresh reaches Slack and waits for another refresher's lease: blocking (slack_, this
  // thread sleeps: the sweep, the admin) or awaited (a delivery's SlackApi over its asynchronous
  // client, executor timers). Every refresh is one coroutine for both; the blocking calls run
  // it inline (core::run_inline), where each of its awaits finishes at once.
  struct RefreshPath {
    slack::SlackApi& slack;
    bool awaited = false;
  };
  RefreshPath blocking() { return {slack_, false}; }

  core::Task<Result<ActiveInstallation>> refresh_expired_via(RefreshPath path, std::string team_id,
                                                             std::string expired_token);
  core::Task<Result<std::optional<std::string>>> connected_user_token_via(
      RefreshPath path, std::string team_id, std::string platform_user_id);
  core::Task<Result<std::optional<std::string>>> connected_user_token_of(RefreshPath path,
                                                                         store::Link current);
  // Single-flight refresh of the bot token. `seen` is the sealed token the caller found stale:
  // when the store holds another one by the time the lease is ours (or while waiting), that one
  // is returned without calling Slack. `only_if_due`: skip when more than refresh_margin is left.
  // `exchanged` (optional) tells whether this call spent the refresh token.
  core::Task<Result<store::Installation>> refresh_bot(RefreshPath path, std::string team_id,
                                                      store::Blob seen, bool only_if_due,
                                                      bool* exchanged = nullptr);
  // refresh_bot's work once the lease is held.
  core::Task<Result<store::Installation>> refresh_if_stale(RefreshPath path, std::string team_id,
                                                           store::Blob seen, bool only_if_due,
                                                           bool* exchanged);
  core::Task<Result<store::Installation>> exchange_refresh(RefreshPath path,
                                                           store::Installation inst);
  core::Task<Result<store::Link>> refresh_user(RefreshPath path, store::Link stale);
  core::Task<Result<store::Link>> refresh_user_if_stale(RefreshPath path, store::Link stale);
  core::Task<Result<store::Link>> exchange_user_refresh(RefreshPath path, store::Link link);
  // oauth.v2.access with the refresh grant `refresh_token`, over `path`.
  core::Task<Result<slack::OAuthAccess>> oauth_refresh(RefreshPath path, std::string refresh_token);
  // auth.revoke with the link's user token; false (logged) when it does not open or Slack refuses.
  bool revoke_at_slack(const store::Link& link);
  // Runs `work()` (a Task) holding lease `name`; while another holder has it, calls `changed`
  // after each pause until it yields a result or lease_wait ends (refresh_busy, transient).
  template <typename T, typename Work, typename Changed>
  core::Task<Result<T>> single_flight(RefreshPath path, std::string name, Work work,
                                      Changed changed);
  // One pause between looks at another refresher's lease; false: cancel_timers() cut it short.
  core::Task<bool> lease_pause(RefreshPath path) const;
  // Whether a caller of this service holds lease `name` now; and marking it so.
  bool held_here(const std::string& name);
  void set_held_here(const std::string& name, bool held);
  bool due(const std::optional<store::UnixSeconds>& expires_at) const;
  void pause(std::chrono::milliseconds wait) const;

  store::Store& store_;
  slack::SlackApi& slack_;
  const core::SecretBox& box_;
  const core::Clock& clock_;
  InstallationServiceOptions options_;
  std::string lease_owner_;  // unique per instance: leases are per (process, service)
  // Leases a caller of this service holds: the others of this process waiting for one (a burst
  // told token_expired at once) look at the store with reads only, not a write each pause.
  std::mutex held_mutex_;
  std::set<std::string> held_;
  InstallationCache cache_;
};

}  // namespace bridgebot::bridge
