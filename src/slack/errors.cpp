#include "bridgebot/slack/errors.h"

#include <algorithm>
#include <array>
#include <utility>

namespace bridgebot::slack {
namespace {

constexpr std::array kAuthDead = {"invalid_auth",  "not_authed",    "account_inactive",
                                  "token_revoked", "token_expired", "team_disabled"};

// Slack-side hiccups: the same call may well succeed a little later.
constexpr std::array kTransient = {"internal_error", "fatal_error", "service_unavailable",
                                   "request_timeout"};

template <std::size_t N>
bool contains(const std::array<const char*, N>& codes, std::string_view code) {
  return std::any_of(codes.begin(), codes.end(), [&](const char* c) { return code == c; });
}

std::string seconds_text(std::chrono::milliseconds wait) {
  auto ms = wait.count();
  return std::to_string(ms / 1000) + (ms % 1000 ? "." + std::to_string(ms % 1000 / 100) : "") +
         " s";
}

// The sentence for a code we know; empty for codes we pass through with a generic sentence.
std::string known_message(const ApiFailure& f) {
  const std::string& c = f.error;
  const std::string on = " (" + f.method + ")";
  if (c == "invalid_auth")
    return "Slack does not accept this token" + on + ": reinstall the app or paste a new token";
  if (c == "not_authed") return "no token was sent" + on + ": configure the bot token";
  if (c == "account_inactive")
    return "the token belongs to a deactivated user or bot" + on + ": reinstall the app";
  if (c == "token_revoked")
    return "the token was revoked" + on + ": reinstall the app to issue a new token";
  if (c == "token_expired")
    return "the token expired" + on +
           ": refresh it with its refresh token, or use Re-generate token in the admin page";
  if (c == "team_disabled")
    return "the Slack workspace is disabled" + on + ": nothing works until it is re-enabled";
  if (c == "missing_scope")
    return "the token lacks the scope `" + (f.needed.empty() ? "?" : f.needed) + "`" + on +
           " (granted: " + (f.provided.empty() ? "none" : f.provided) +
           "): add it to the app's scopes and reinstall the app";
  if (c == "channel_not_found")
    return "the channel does not exist or the app cannot see it" + on +
           ": check the channel id and invite the app";
  if (c == "not_in_channel") return "the app is not in the channel" + on + ": invite it";
  if (c == "is_archived") return "the channel is archived" + on + ": pick another channel";
  if (c == "messages_tab_disabled")
    return "the app's Messages tab is disabled" + on + ": enable it in App Home settings";
  if (c == "msg_too_long") return "the message text is too long" + on;
  if (c == "msg_blocks_too_long") return "the message blocks are too long" + on;
  if (c == "no_text") return "the message has no text" + on;
  if (c == "invalid_blocks") return "Slack rejected the message blocks" + on;
  if (c == "restricted_action")
    return "a workspace setting forbids this action" + on + ": ask a Slack admin";
  if (c == "users_not_found" || c == "user_not_found") return "no active Slack user matches" + on;
  if (c == "not_enabled") return "the app's Home tab is disabled" + on + ": enable it";
  if (c == "invalid_code") return "the OAuth code is invalid or was already used" + on;
  if (c == "bad_redirect_uri") return "the redirect URL does not match the app's settings" + on;
  if (c == "bad_client_secret" || c == "invalid_client_id")
    return "the app's client id or secret is wrong" + on + ": check the OAuth settings";
  if (c == "invalid_refresh_token")
    return "the refresh token is invalid or was already used" + on + ": reinstall the app";
  return {};
}

}  // namespace

bool is_auth_dead(std::string_view code) {
  return contains(kAuthDead, code);
}

bool is_rate_limited(std::string_view code) {
  return code == "ratelimited" || code == "rate_limited";
}

Error map_api_failure(const ApiFailure& f) {
  if (f.http_status == 429 || is_rate_limited(f.error)) {
    // Without a Retry-After header, wait a minute: Tier 1 methods allow one call per minute.
    auto wait = f.retry_after.value_or(std::chrono::seconds(60));
    Error e =
        make_error(f.error.empty() ? "ratelimited" : f.error,
                   "Slack rate-limited " + f.method + ": retry after " + seconds_text(wait), true);
    e.retry_after = wait;
    return e;
  }
  if (f.error.empty()) {
    std::string status = std::to_string(f.http_status);
    if (f.http_status >= 500)
      return make_error("http_" + status,
                        "Slack answered " + f.method + " with HTTP " + status + ": retry later",
                        true);
    return make_error("http_" + status, "Slack answered " + f.method + " with HTTP " + status +
                                            ": check the configured Slack API URL");
  }
  if (contains(kTransient, f.error) || f.http_status >= 500)
    return make_error(f.error, "Slack had a temporary problem with " + f.method + ": retry later",
                      true);
  std::string message = known_message(f);
  if (message.empty()) message = "Slack refused " + f.method;
  return make_error(f.error, std::move(message));
}

Error invalid_response(std::string_view method, int http_status) {
  // Transient: a proxy error page or a cut connection usually passes.
  return make_error("invalid_response",
                    "Slack's answer to " + std::string(method) + " (HTTP " +
                        std::to_string(http_status) + ") was not the expected JSON",
                    true);
}

Error map_webhook_failure(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after) {
  std::string code(body.substr(0, body.find_first_of(" \r\n")));
  const std::string status = " (HTTP " + std::to_string(http_status) + ")";
  if (http_status == 429) {
    auto wait = retry_after.value_or(std::chrono::seconds(1));
    Error e =
        make_error("ratelimited",
                   "the incoming webhook is rate-limited: retry after " + seconds_text(wait), true);
    e.retry_after = wait;
    return e;
  }
  if (code == "channel_not_found" || code == "no_team" || code == "channel_is_archived" ||
      code == "no_service" || code == "invalid_token")
    return make_error(code, "the incoming webhook no longer works" + status +
                                ": create a new webhook in Slack and configure its URL");
  if (code == "invalid_payload")
    return make_error(code, "Slack rejected the webhook message as malformed" + status);
  if (code == "action_prohibited")
    return make_error(code, "a workspace setting forbids posting to this channel" + status +
                                ": ask a Slack admin");
  if (http_status >= 500)
    return make_error(code.empty() ? "http_" + std::to_string(http_status) : code,
                      "Slack had a temporary problem delivering the webhook" + status, true);
  if (http_status == 404 || http_status == 410)
    return make_error("webhook_gone", "the incoming webhook URL is unknown to Slack" + status +
                                          ": create a new webhook and configure its URL");
  return make_error(code.empty() ? "http_" + std::to_string(http_status) : code,
                    "Slack refused the webhook message" + status);
}

bool is_dead_webhook(const Error& error) {
  // invalid_token: the webhook's own credential was revoked (app removed): as dead as a 404.
  constexpr std::array kDead = {"channel_not_found",   "no_team",       "no_service",
                                "channel_is_archived", "invalid_token", "webhook_gone"};
  return contains(kDead, error.code);
}

}  // namespace bridgebot::slack
