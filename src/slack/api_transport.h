// The wire side of WebApi: pacing through the RateLimiter, one HTTP exchange, mapping the answer
// to an Error, and the retry loop (pacer.h), each both blocking and as a coroutine over
// net::AsyncHttpClient. Private to src/slack. Thread-safe (no per-call state).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/core/task.h"
#include "bridgebot/net/async_http.h"
#include "bridgebot/slack/web_api.h"

namespace bridgebot::slack {

// One Web API method call as sent: POST {base}{method}.
struct ApiCall {
  std::string method;         // "chat.postMessage"
  std::string team_id;        // rate-limit scope
  std::string channel;        // chat.postMessage only: per-channel rate-limit scope
  std::string authorization;  // the whole Authorization header value (secret)
  std::string content_type;
  std::string body;
  // Only the answer's top-level members are read (chat.postMessage, chat.update: channel and ts);
  // no document is built.
  bool top_level_only = false;
};

struct ApiAnswer {
  net::HttpResponse response;
  rapidjson::Document json;  // an object whose "ok" is true; null when top_level_only
  std::string channel;       // the answer's top-level channel and ts, when top_level_only
  std::string ts;
};

class ApiTransport {
 public:
  ApiTransport(net::HttpClient& http, std::string base_url, const core::Clock& clock,
               RateLimiter& limiter, RetryPolicy policy, WebApi::SleepFunction sleep,
               WebApi::JitterSource jitter, WebApi::TeamGate gate,
               net::AsyncHttpClient* async_http);

  Result<ApiAnswer> call(const ApiCall& call);
  // `team_id`: the workspace the post is for (the gate checks it); empty for none.
  Status post_webhook(std::string_view team_id, std::string_view url, std::string_view json_body);

  // The same, as coroutines that hold no thread while they wait (pacing, Retry-After, backoff,
  // Slack's answer). Run them on a core::Executor thread: they resume there. A pause cut short by
  // Executor::cancel_timers() ends the call unsent with the transient error "cancelled" (with
  // retry_after set to what is left of a Retry-After window Slack told for its scope).
  // Only with an AsyncHttpClient (has_async()).
  core::Task<Result<ApiAnswer>> call_async(ApiCall call);
  core::Task<Status> post_webhook_async(std::string team_id, std::string url,
                                        std::string json_body);
  bool has_async() const { return async_http_ != nullptr; }

 private:
  net::ClientRequest api_request(const ApiCall& call) const;
  Result<ApiAnswer> api_answer(const ApiCall& call, Result<net::HttpResponse> sent) const;
  static net::ClientRequest webhook_request(std::string_view url, std::string_view json_body);
  static Status webhook_answer(std::string_view url, Result<net::HttpResponse> sent);
  // The gate's refusal right before a send for key's team, if any.
  std::optional<Error> closed_gate(const RateLimitKey& key) const;
  // Reserves a slot for `key`, sends with `send`, and repeats as the Pacer says.
  template <typename T, typename Send>
  Result<T> paced(const RateLimitKey& key, Send&& send);
  template <typename T, typename Send>
  core::Task<Result<T>> paced_async(RateLimitKey key, Send send);
  // Waits `delay` without a thread; false when cancelled.
  core::Task<bool> pause(core::Clock::Duration delay);
  // The call for `key` was not sent: a stop cut its pause short. While a Retry-After Slack told
  // for the key's scope still holds, retry_after says how much of it is left.
  Error stopped(const RateLimitKey& key);

  net::HttpClient& http_;
  const std::string base_url_;
  const core::Clock& clock_;
  RateLimiter& limiter_;
  const RetryPolicy policy_;
  const bool injected_sleep_;  // before sleep_, which takes the injected one over
  const WebApi::SleepFunction sleep_;
  const WebApi::JitterSource jitter_;
  const WebApi::TeamGate gate_;
  net::AsyncHttpClient* const async_http_;  // null: no async calls
};

}  // namespace bridgebot::slack
