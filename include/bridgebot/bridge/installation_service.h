// Installed workspaces over the Store, with every token sealed by the SecretBox. Implements the
// InstallationDirectory the dispatcher reads, and the admin's manual setup (paste a bot token and
// the workspace domain). Thread-safe; calls block on the store and on Slack.
#pragma once

#include <mutex>
#include <string>

#include "bridgebot/bridge/installations.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/secret_box.h"
#include "bridgebot/slack/slack_api.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

class InstallationService final : public InstallationDirectory {
 public:
  InstallationService(store::Store& store, slack::SlackApi& slack, const core::SecretBox& box,
                      const core::Clock& clock);

  // Manual setup: checks the token with auth.test, that `workspace_domain` names the token's
  // workspace (domain_mismatch), and the required scopes (missing_scopes, listing each); then
  // stores the installation with the token sealed. Errors carry Slack's code (invalid_auth, ...)
  // or ours, with Error::field set where one input is at fault.
  Result<store::Installation> install_bot_token(const std::string& bot_token,
                                                const std::string& workspace_domain);

  Result<ActiveInstallation> active(std::string_view team_id) override;
  Result<ActiveInstallation> refresh_expired(std::string_view team_id) override;
  std::vector<std::string> active_team_ids() override;
  Result<std::optional<std::string>> connected_user_token(
      std::string_view team_id, std::string_view platform_user_id) override;

  // Seal/open helpers with the context strings every caller must agree on.
  static std::string bot_token_context(std::string_view team_id);
  static std::string webhook_context(std::string_view team_id);
  static std::string user_token_context(std::string_view team_id, std::string_view user_id);
  store::Blob seal(std::string_view plaintext, const std::string& context) const;
  Result<std::string> open(const store::Blob& blob, const std::string& context) const;

 private:
  store::Store& store_;
  slack::SlackApi& slack_;
  const core::SecretBox& box_;
  const core::Clock& clock_;
};

}  // namespace bridgebot::bridge
