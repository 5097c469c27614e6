// The Slack Web API as the rest of bridgebot sees it. WebApi (web_api.h) talks to Slack or the
// emulator; upper layers take a SlackApi& so their tests can substitute a fake.
//
// Every call blocks until Slack answered (after any pacing and retries) and is thread-safe: run
// calls on worker threads, never on an event loop. What delivery sends also has an `_async`
// variant: a coroutine (core/task.h) for a core::Executor thread that holds no thread while it
// waits (pacing, Retry-After, Slack's answer) where the implementation allows it. Errors follow
// errors.h: Slack's code, an actionable message, `transient` when a later repeat may succeed,
// `retry_after` for rate limits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"
#include "bridgebot/core/task.h"
#include "bridgebot/slack/web_api_types.h"

namespace bridgebot::slack {

class SlackApi {
 public:
  virtual ~SlackApi() = default;

  virtual Result<AuthTestResult> auth_test(const TeamToken& auth) = 0;
  // Revokes the token itself (the app stays installed).
  virtual Status auth_revoke(const TeamToken& auth) = 0;

  // users_not_found (also for deactivated users) when nobody has that email.
  virtual Result<SlackUser> users_lookup_by_email(const TeamToken& auth,
                                                  std::string_view email) = 0;
  virtual Result<SlackUser> users_info(const TeamToken& auth, std::string_view user_id) = 0;
  // One page; pass the previous page's next_cursor (empty for the first page).
  virtual Result<UsersPage> users_list(const TeamToken& auth, std::string_view cursor,
                                       int limit) = 0;

  // Not retried after a timeout or 5xx (it could post twice): the caller's outbox decides.
  virtual Result<PostedMessage> chat_post_message(const TeamToken& auth,
                                                  const PostMessageRequest& message) = 0;
  virtual Result<PostedMessage> chat_update(const TeamToken& auth,
                                            const UpdateMessageRequest& message) = 0;
  // The DM channel id (D…) with these users (needs im:write). Comma-separate several ids.
  virtual Result<std::string> conversations_open(const TeamToken& auth,
                                                 std::string_view user_ids) = 0;
  // Publishes a Home tab view (`view_json`: a JSON object of type "home") for one user.
  virtual Status views_publish(const TeamToken& auth, std::string_view user_id,
                               std::string_view view_json) = 0;

  // Exchanges an OAuth code, or rotates a token pair (the used refresh token dies). Never
  // retried after a timeout: codes and refresh tokens work once.
  virtual Result<OAuthAccess> oauth_v2_access(const OAuthClient& client,
                                              const OAuthGrant& grant) = 0;

  // A fresh Socket Mode URL (wss://…) for the app-level token (xapp-…). Ask before every connect.
  virtual Result<std::string> apps_connections_open(std::string_view app_token) = 0;

  // Posts a JSON message ({"text":…, "blocks":…}) to an incoming webhook on behalf of workspace
  // `team_id` (empty: none), which the Disconnect check right before the post looks at, as for
  // the calls with a token. is_dead_webhook() tells the errors after which the webhook never
  // works again.
  virtual Status post_incoming_webhook(std::string_view team_id, std::string_view url,
                                       std::string_view json_body) = 0;

  // The same as the blocking methods above, as coroutines. These defaults call the blocking
  // methods (test fakes); WebApi overrides them with calls that hold no thread while waiting.
  virtual core::Task<Result<SlackUser>> users_lookup_by_email_async(TeamToken auth,
                                                                    std::string email) {
    co_return users_lookup_by_email(auth, email);
  }
  virtual core::Task<Result<PostedMessage>> chat_post_message_async(TeamToken auth,
                                                                    PostMessageRequest message) {
    co_return chat_post_message(auth, message);
  }
  virtual core::Task<Result<std::string>> conversations_open_async(TeamToken auth,
                                                                   std::string user_ids) {
    co_return conversations_open(auth, user_ids);
  }
  virtual core::Task<Status> post_incoming_webhook_async(std::string team_id, std::string url,
                                                         std::string json_body) {
    co_return post_incoming_webhook(team_id, url, json_body);
  }
  virtual core::Task<Result<OAuthAccess>> oauth_v2_access_async(OAuthClient client,
                                                                OAuthGrant grant) {
    co_return oauth_v2_access(client, grant);
  }
};

// Walks users.list page by page until next_cursor is empty; `page_size` 100-200 is what Slack
// recommends. Pages are paced by the API's rate limiter (users.list is Tier 2). Stops with
// invalid_response if Slack hands out a cursor it already gave (it would loop forever).
Result<std::vector<SlackUser>> users_list_all(SlackApi& api, const TeamToken& auth,
                                              int page_size = 200);

}  // namespace bridgebot::slack
