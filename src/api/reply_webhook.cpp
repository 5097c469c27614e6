#include "bridgebot/api/reply_webhook.h"

#include <charconv>

#include "bridgebot/api/signature.h"
#include "bridgebot/net/http_exchange.h"

namespace bridgebot::api {

std::string path_with_query(std::string_view url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto slash = url.find_first_of("/?#", start);
  if (slash == std::string_view::npos || url[slash] == '#') return "/";
  std::string target(url.substr(slash));
  if (auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  if (target.front() == '?') target.insert(0, "/");
  return target;
}

ReplyWebhook::ReplyWebhook(net::AsyncHttpClient& http, std::string url, std::string signing_secret,
                           const core::Clock& clock)
    : http_(http),
      url_(std::move(url)),
      path_(path_with_query(url_)),
      secret_(std::move(signing_secret)),
      clock_(clock) {}

core::Task<Status> ReplyWebhook::send(std::string body) {
  net::ClientRequest request = signed_request(std::move(body));
  auto response = co_await net::exchange(http_, std::move(request));
  co_return outcome(response);
}

net::ClientRequest ReplyWebhook::signed_request(std::string body) const {
  const std::int64_t timestamp = clock_.unix_seconds();
  net::ClientRequest request;
  request.method = "POST";
  request.url = url_;
  request.headers.set("Content-Type", "application/json");
  request.headers.set("X-Bridge-Timestamp", std::to_string(timestamp));
  request.headers.set("X-Bridge-Signature", sign_v2(secret_, timestamp, "POST", path_, body));
  request.body = std::move(body);
  return request;
}

Status ReplyWebhook::outcome(const Result<net::HttpResponse>& response) {
  if (!response.ok()) return response.error();  // network: transient, as net reports it
  const int status = response->status;
  if (status >= 200 && status < 300) return Status::success();
  Error e = make_error("platform_http_" + std::to_string(status),
                       "the platform's reply webhook answered HTTP " + std::to_string(status));
  e.transient = status >= 500 || status == 408 || status == 429;
  const std::string retry_after = response->headers.get("Retry-After");
  int seconds = 0;
  if (auto [end, ec] =
          std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
      e.transient && !retry_after.empty() && ec == std::errc{} &&
      end == retry_after.data() + retry_after.size() && seconds >= 0 && seconds <= 3600) {
    e.retry_after = std::chrono::seconds(seconds);
  }
  return e;
}

}  // namespace bridgebot::api
