// The browser side of Slack OAuth (platform-api.md): "Add to Slack" (GET /slack/install ->
// Slack's authorize page -> GET /slack/oauth_redirect) and personal Connect
// (POST /v1/users/{id}/connect hands out a single-use link; GET /slack/connect -> Slack's
// authorize page with user scope chat:write -> the same redirect endpoint, told apart by state).
// Pages are small HTML without secrets; no URL holding a code or token is logged.
#pragma once

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/installation_service.h"
#include "bridgebot/bridge/oauth_states.h"
#include "bridgebot/core/config.h"
#include "bridgebot/slack/slack_api.h"

namespace bridgebot::api {

struct OAuthRoutesDeps {
  // slack.oauth (client id/secret, redirect_url, extra_scopes) and slack.oauth_base_url. Without
  // slack.oauth the routes answer that OAuth is not configured.
  const core::Config& config;
  bridge::InstallationService& installations;
  bridge::OAuthStates& states;
  slack::SlackApi& slack;
};

// Adds GET /slack/install, GET /slack/oauth_redirect, GET /slack/connect and
// POST /v1/users/{user_id}/connect (signed). Every dependency must outlive `api`.
void add_oauth_routes(PlatformApi& api, OAuthRoutesDeps deps);

}  // namespace bridgebot::api
