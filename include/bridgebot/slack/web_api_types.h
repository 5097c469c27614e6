// Plain request and result structs of the Slack Web API calls bridgebot makes.
// Structs holding tokens, secrets or webhook URLs say so: never log them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bridgebot/slack/slack_user.h"

namespace bridgebot::slack {

// Who a call acts for. `team_id` picks the rate-limit buckets the call spends (Slack counts per
// workspace, whichever token of it is used); it may be empty when not known yet (auth.test on a
// freshly pasted token). `token` is a secret.
struct TeamToken {
  std::string team_id;
  std::string token;
};

struct AuthTestResult {
  std::string url;  // "https://acme.slack.com/"
  std::string team;
  std::string team_id;
  std::string user;
  std::string user_id;
  std::string bot_id;         // empty for user tokens
  std::string enterprise_id;  // empty outside Enterprise Grid
  bool is_enterprise_install = false;
  std::vector<std::string> scopes;  // granted, from the x-oauth-scopes response header
};

struct UsersPage {
  std::vector<SlackUser> members;
  std::string next_cursor;  // empty: this was the last page
};

struct PostMessageRequest {
  std::string channel{};      // C…/D…/G…, or U… for a DM
  std::string text{};         // always set: notification and screen-reader text
  std::string blocks_json{};  // a JSON array of blocks, or empty
  std::string thread_ts{};    // the parent's ts to reply in its thread, or empty
  std::string username{};     // needs chat:write.customize
  std::string icon_url{};     // needs chat:write.customize
  std::optional<bool> unfurl_links{};
  std::optional<bool> unfurl_media{};
  // blocks_json was written by our own JSON writer (bridge::SlackMessage's builders): it is sent
  // as it is. Otherwise it is read first, and refused (invalid_blocks) unless a JSON array.
  bool blocks_written_by_us = false;
};

struct UpdateMessageRequest {
  std::string channel;  // the conversation id chat.postMessage returned, never a user id
  std::string ts;
  std::string text;
  std::string blocks_json;  // empty: leave blocks as they are
};

// Where a posted message lives; store both to update or thread it later.
struct PostedMessage {
  std::string channel;
  std::string ts;
};

// The app's OAuth client credentials; `client_secret` is a secret.
struct OAuthClient {
  std::string client_id;
  std::string client_secret;
};

// The grant of an oauth.v2.access call; build one with the named constructors.
struct OAuthGrant {
  static OAuthGrant authorization_code(std::string code, std::string redirect_uri) {
    return {std::move(code), std::move(redirect_uri), {}};
  }
  static OAuthGrant refresh(std::string refresh_token) {
    return {{}, {}, std::move(refresh_token)};
  }

  std::string code;  // secret, single use
  std::string redirect_uri;
  std::string refresh_token;  // secret, single use: Slack answers with a new one
};

// Every token below is a secret.
struct OAuthAccess {
  struct Team {
    std::string id;
    std::string name;
  };
  struct AuthedUser {
    std::string id;
    std::string scope;
    std::string access_token;  // only when user scopes were requested
    std::string token_type;
    std::string refresh_token;  // only with token rotation
    std::optional<std::int64_t> expires_in;
  };
  struct IncomingWebhook {
    std::string channel;
    std::string channel_id;
    std::string configuration_url;
    std::string url;  // secret
  };

  std::string access_token;
  std::string token_type;  // "bot"
  std::string scope;       // comma-separated granted bot scopes
  std::string bot_user_id;
  std::string app_id;
  Team team;
  std::string enterprise_id;
  bool is_enterprise_install = false;
  std::string refresh_token;               // only with token rotation
  std::optional<std::int64_t> expires_in;  // seconds; only with token rotation
  AuthedUser authed_user;
  std::optional<IncomingWebhook> incoming_webhook;  // only with the incoming-webhook scope
};

}  // namespace bridgebot::slack
