// The installed workspaces as the bridge needs them at delivery time: decrypted tokens and the
// per-installation options. Implemented over the Store with encryption (issue: installs); unit
// tests substitute a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/core/task.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

struct ActiveInstallation {
  std::string team_id;
  std::string domain;
  std::string bot_user_id;
  std::string bot_token;  // decrypted; never log it
  std::vector<std::string> scopes;
  bool sender_identity = true;  // show a linked sender's name/avatar (with chat:write.customize)
  std::string notification_channel;  // the default destination, or empty
  std::string incoming_webhook_url;  // decrypted install-time webhook, or empty
  // The installation row's generation when read (store::Installation::generation); 0: unknown.
  std::int64_t generation = 0;

  bool has_scope(std::string_view scope) const;
};

class InstallationDirectory {
 public:
  virtual ~InstallationDirectory() = default;
  // The active installation of `team_id`; unknown_team when none is installed (or it was revoked).
  virtual Result<ActiveInstallation> active(std::string_view team_id) = 0;
  // The same, shared rather than copied (a delivery's hot path). This default copies active()'s.
  virtual Result<std::shared_ptr<const ActiveInstallation>> active_shared(
      std::string_view team_id) {
    auto installation = active(team_id);
    if (!installation.ok()) return installation.error();
    return std::make_shared<const ActiveInstallation>(std::move(*installation));
  }
  // Slack answered token_expired to `expired_token`: refresh the rotating token (single flight
  // across processes) and return the installation with the new token; the error when it cannot
  // be refreshed. When the installation holds another token by now (another worker or process
  // refreshed since `expired_token` was read), that one comes back and nothing is exchanged:
  // spending the fresh pair again would expire the token the other workers use. An empty
  // `expired_token` refreshes whatever is stored.
  virtual Result<ActiveInstallation> refresh_expired(std::string_view team_id,
                                                     std::string_view expired_token) = 0;
  // team ids of every active installation, in order.
  virtual std::vector<std::string> active_team_ids() = 0;
  // The decrypted user token of a platform user who went through personal Connect, if any.
  virtual Result<std::optional<std::string>> connected_user_token(
      std::string_view team_id, std::string_view platform_user_id) = 0;

  // The same two for deliveries, as coroutines on a core::Executor: a refresh asks Slack
  // (oauth.v2.access) over `slack`, whose asynchronous client holds no thread while it waits,
  // and waits for another refresher's lease on executor timers, so no delivery thread waits for
  // either. A wait cut short by Executor::cancel_timers() ends with the transient error
  // "cancelled". These defaults call the blocking methods (test fakes).
  virtual core::Task<Result<ActiveInstallation>> refresh_expired_async(slack::SlackApi& slack,
                                                                       std::string team_id,
                                                                       std::string expired_token) {
    (void)slack;
    co_return refresh_expired(team_id, expired_token);
  }
  // The user token of `link`, the platform user's link the delivery read (no second read).
  virtual core::Task<Result<std::optional<std::string>>> connected_user_token_async(
      slack::SlackApi& slack, store::Link link) {
    (void)slack;
    co_return connected_user_token(link.team_id, link.platform_user_id);
  }
};

}  // namespace bridgebot::bridge
