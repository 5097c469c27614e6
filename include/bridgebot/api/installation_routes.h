// The admin endpoints /v1/installations... (platform-api.md, "Installations"): list, manual
// setup, Test Connection, rotate, edit, disconnect. Every route is wrapped in admin_route and runs
// its work on the API's worker pool. Tokens and webhook URLs never appear in a response.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/store/store.h"

namespace bridgebot::api {

struct InstallationRoutesDeps {
  bridge::InstallationService& installations;  // must outlive the PlatformApi
  store::Store& store;                         // must outlive the PlatformApi
  // The Socket Mode state of a workspace ("connected", "connecting", "link_disabled", ...; one
  // app token serves every workspace, so it is usually the same for all). Empty function or
  // empty answer: not known. Called on worker threads: must be thread-safe.
  std::function<std::string(std::string_view team_id)> socket_mode_state;
};

void add_installation_routes(PlatformApi& api, InstallationRoutesDeps deps);

// The JSON object GET /v1/installations lists for one installation (no secrets); `missing_scopes`
// as InstallationService::missing_scopes reports them.
std::string installation_json(const store::Installation& installation,
                              const std::string& socket_mode_state, const store::TeamUsage& usage,
                              const std::vector<std::string>& missing_scopes);

}  // namespace bridgebot::api
