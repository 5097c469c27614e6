// Slack's OAuth v2 as the emulator plays it: the authorize page (GET /oauth/v2/authorize, which
// here answers at once as OAuthConsent says) and oauth.v2.access (authorization codes and
// rotating refresh tokens). The Emulator's mutex is held by the caller.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "bridgebot/core/result.h"
#include "bridgebot/net/http.h"
#include "json.h"
#include "params.h"
#include "slack_emulator/state.h"

namespace bridgebot::emulator {

struct OAuthContext {
  State& state;
  std::mt19937_64& random;
  std::int64_t now;      // unix seconds
  std::string base_url;  // where the emulator is reachable, for incoming-webhook URLs
};

// The authorize page: a 302 to redirect_uri with code+state (approve) or error=access_denied
// (deny), or a 400 text page for an unknown client_id or a missing redirect_uri.
net::HttpResponse authorize(OAuthContext& context, const net::HttpRequest& request);

// oauth.v2.access: fills `reply` (already {"ok":true}) or returns the Slack error
// (invalid_client_id, bad_client_secret, invalid_code, bad_redirect_uri, invalid_refresh_token,
// invalid_grant_type).
Status oauth_v2_access(OAuthContext& context, const Params& params,
                       const std::string& authorization, rapidjson::Document& reply);

}  // namespace bridgebot::emulator
