// The admin console at /admin (platform-api.md, "Admin console"): server-rendered pages for the
// workspace admin, signed in with platform.admin_token (admin_sessions.h). The pages call the same
// bridge services as the admin JSON API (installation_routes.h): they hold no business rule of
// their own. Every page is HTML-escaped through html_page.h and sent with a strict
// Content-Security-Policy (no script at all).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/directory.h"
#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/store/store.h"

namespace bridgebot::api {

struct AdminConsoleDeps {
  const core::Config& config;  // platform.admin_token, slack.oauth, relay; must outlive the api
  const core::Clock& clock;
  bridge::InstallationService& installations;
  store::Store& store;
  bridge::Directory& directory;
  // As InstallationRoutesDeps::socket_mode_state.
  std::function<std::string(std::string_view team_id)> socket_mode_state;
  // The server speaks TLS itself: session cookies are Secure. (Behind a TLS proxy they are
  // Secure when the request carries X-Forwarded-Proto: https.)
  bool tls = false;
};

void add_admin_console(PlatformApi& api, AdminConsoleDeps deps);

}  // namespace bridgebot::api
