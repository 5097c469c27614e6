// The wire side of WebApi: pacing through the RateLimiter, one HTTP exchange, mapping the answer
// to an Error, and the retry loop. Private to src/slack. Thread-safe (no per-call state).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

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
};

struct ApiAnswer {
  net::HttpResponse response;
  rapidjson::Document json;  // an object whose "ok" is true
};

class ApiTransport {
 public:
  ApiTransport(net::HttpClient& http, std::string base_url, const core::Clock& clock,
               RateLimiter& limiter, RetryPolicy policy, WebApi::SleepFunction sleep,
               WebApi::JitterSource jitter, WebApi::TeamGate gate);

  Result<ApiAnswer> call(const ApiCall& call);
  Status post_webhook(std::string_view url, std::string_view json_body);

 private:
  Result<ApiAnswer> send_once(const ApiCall& call);
  Status send_webhook_once(std::string_view url, std::string_view json_body);
  // Reserves a slot for `key`, sends with `send`, and repeats as retry_kind() allows.
  template <typename T, typename Send>
  Result<T> paced(const RateLimitKey& key, Send&& send);

  net::HttpClient& http_;
  const std::string base_url_;
  const core::Clock& clock_;
  RateLimiter& limiter_;
  const RetryPolicy policy_;
  const WebApi::SleepFunction sleep_;
  const WebApi::JitterSource jitter_;
  const WebApi::TeamGate gate_;
};

}  // namespace bridgebot::slack
