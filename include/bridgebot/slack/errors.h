// Turning Slack's answers into bridgebot::Error values. Pure functions: no I/O, no state.
//
// Every Error produced here carries Slack's own code in `code` (so callers can branch on
// "channel_not_found"), an actionable sentence in `message`, and `transient` set when repeating
// the same call later may succeed. Nothing here ever puts a token or a webhook URL in a message.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::slack {

// What a failed Web API call told us, gathered before mapping.
struct ApiFailure {
  std::string method;  // "chat.postMessage"
  int http_status = 200;
  std::string error;     // Slack's "error" field; empty when the body had none
  std::string needed;    // missing_scope: the scope the method needs
  std::string provided;  // missing_scope: the scopes the token has
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
};

// Maps a Web API failure (ok:false, HTTP 429, HTTP 5xx or another non-200 status).
Error map_api_failure(const ApiFailure& failure);

// The answer was not the JSON object Slack always sends (a proxy page, a truncated body).
Error invalid_response(std::string_view method, int http_status);

// The token is dead for good until an admin acts (reinstall, refresh, re-enable).
bool is_auth_dead(std::string_view code);

// Slack refused because of a rate limit ("ratelimited", or "rate_limited" from chat.postMessage).
bool is_rate_limited(std::string_view code);

// Maps an incoming-webhook answer that was not `200 ok`. Webhooks answer in plain text.
Error map_webhook_failure(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after);

// The webhook will never work again (deleted, channel gone or archived, app removed): the admin
// must configure a new one. Decided from the code map_webhook_failure produced.
bool is_dead_webhook(const Error& error);

}  // namespace bridgebot::slack
