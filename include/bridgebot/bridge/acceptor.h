// The accept path of POST /v1/messages and /v1/notifications: applies the relay rule and the
// routes, resolves the workspace, and records the item(s) durably before answering. A queued
// answer is a promise: the dispatcher delivers from the store, across restarts.
#pragma once

#include <functional>
#include <string>

#include "bridgebot/bridge/accept_handoff.h"
#include "bridgebot/bridge/installations.h"
#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/core/config.h"
#include "bridgebot/store/store.h"

namespace bridgebot::bridge {

struct AcceptOutcome {
  std::string status;  // queued | duplicate | ignored
  std::string reason;  // for ignored
};

class Acceptor {
 public:
  // `on_new_work` is called after a commit that queued items (wakes the dispatcher). `handoff`
  // (optional; must outlive the Acceptor) takes the items an accept may claim for delivery at
  // once.
  Acceptor(store::Store& store, InstallationDirectory& installations, const core::Config& config,
           const core::Clock& clock, std::function<void()> on_new_work,
           AcceptHandoff* handoff = nullptr);

  // Errors: team_id_required, unknown_team, no_route (notifications), store errors.
  Result<AcceptOutcome> accept_message(PlatformMessage message);
  Result<AcceptOutcome> accept_notification(PlatformNotification notification);

  // The workspace a request names, or the only installed one when it names none.
  Result<std::string> resolve_team(const std::string& team_id);

 private:
  Result<AcceptOutcome> record(store::AcceptRequest& request);

  store::Store& store_;
  InstallationDirectory& installations_;
  const core::Config& config_;
  const core::Clock& clock_;
  std::function<void()> on_new_work_;
  AcceptHandoff* handoff_;
};

}  // namespace bridgebot::bridge
