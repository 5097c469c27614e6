// SlackApi over net::HttpClient: request encoding, response parsing, pacing and retries.
//
// Each call: reserve a rate-limiter slot (waiting up to RetryPolicy::max_wait), send, map the
// answer (errors.h). A 429 blocks the limited scope in the RateLimiter and the call is repeated
// exactly Retry-After later; network errors and 5xx are repeated with jittered exponential backoff
// where backoff.h's retry_kind() says it is safe; at most RetryPolicy::max_attempts sends.
// A wait that would overrun RetryPolicy::max_wait is not slept through: the call fails with the
// (transient) error it has, rate limits with retry_after set, so the caller can reschedule.
//
// The `_async` calls (slack_api.h) do the same over a net::AsyncHttpClient when one is given:
// pauses are executor timers (core/executor.h), so many calls wait at once on a few threads.
//
// Thread-safe: holds no per-call state; HttpClient and RateLimiter are thread-safe, and so must
// be the injected sleep and jitter functions. Tokens, secrets, codes and webhook URLs never
// appear in returned errors.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bridgebot/core/clock.h"
#include "bridgebot/net/async_http.h"
#include "bridgebot/net/http.h"
#include "bridgebot/slack/backoff.h"
#include "bridgebot/slack/rate_limiter.h"
#include "bridgebot/slack/slack_api.h"

namespace bridgebot::slack {

class ApiTransport;

struct RetryPolicy {
  int max_attempts = 4;  // sends per call, the first included
  // Longest a call spends paused in total (limiter slots, Retry-After, backoff); a pause that
  // would overrun it is not taken and the call fails with the last error.
  std::chrono::milliseconds max_wait{30'000};
  BackoffPolicy backoff;
};

class WebApi final : public SlackApi {
 public:
  using SleepFunction = std::function<void(core::Clock::Duration)>;
  using JitterSource = std::function<double()>;  // uniform in [0, 1)
  // Asked right before each send of a call made for a team (after any pacing wait); an error
  // ends the call unsent, with that error. The dispatcher's WebApi uses it so that nothing is
  // posted for a workspace disconnected while the call waited.
  using TeamGate = std::function<Status(std::string_view team_id)>;

  // `api_base_url` ends with a slash: "https://slack.com/api/" or "http://127.0.0.1:PORT/api/".
  // `http`, `clock`, `limiter` and `async_http` must outlive the WebApi. Default sleep: this
  // thread sleeps (an injected one, for tests, also stands in for the async calls' timers);
  // default jitter: a per-thread random engine. Without `async_http` the `_async` calls block.
  WebApi(net::HttpClient& http, std::string api_base_url, const core::Clock& clock,
         RateLimiter& limiter, RetryPolicy policy = {}, SleepFunction sleep = {},
         JitterSource jitter = {}, TeamGate gate = {}, net::AsyncHttpClient* async_http = nullptr);
  ~WebApi() override;
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  Result<AuthTestResult> auth_test(const TeamToken& auth) override;
  Status auth_revoke(const TeamToken& auth) override;
  Result<SlackUser> users_lookup_by_email(const TeamToken& auth, std::string_view email) override;
  Result<SlackUser> users_info(const TeamToken& auth, std::string_view user_id) override;
  Result<UsersPage> users_list(const TeamToken& auth, std::string_view cursor, int limit) override;
  Result<PostedMessage> chat_post_message(const TeamToken& auth,
                                          const PostMessageRequest& message) override;
  Result<PostedMessage> chat_update(const TeamToken& auth,
                                    const UpdateMessageRequest& message) override;
  Result<std::string> conversations_open(const TeamToken& auth, std::string_view user_ids) override;
  Status views_publish(const TeamToken& auth, std::string_view user_id,
                       std::string_view view_json) override;
  Result<OAuthAccess> oauth_v2_access(const OAuthClient& client, const OAuthGrant& grant) override;
  Result<std::string> apps_connections_open(std::string_view app_token) override;
  Status post_incoming_webhook(std::string_view team_id, std::string_view url,
                               std::string_view json_body) override;
  core::Task<Result<SlackUser>> users_lookup_by_email_async(TeamToken auth,
                                                            std::string email) override;
  core::Task<Result<PostedMessage>> chat_post_message_async(TeamToken auth,
                                                            PostMessageRequest message) override;
  core::Task<Result<std::string>> conversations_open_async(TeamToken auth,
                                                           std::string user_ids) override;
  core::Task<Status> post_incoming_webhook_async(std::string team_id, std::string url,
                                                 std::string json_body) override;
  core::Task<Result<OAuthAccess>> oauth_v2_access_async(OAuthClient client,
                                                        OAuthGrant grant) override;

 private:
  std::unique_ptr<ApiTransport> transport_;  // pacing, sending, retrying, error mapping
};

}  // namespace bridgebot::slack
