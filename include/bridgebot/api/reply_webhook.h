// The platform's reply webhook (platform-api.md, "Replies back to the platform"): POSTs a
// reply signed with v2 (X-Bridge-Timestamp, X-Bridge-Signature over POST and the URL's path) with
// the same platform.signing_secret the API checks requests with.
#pragma once

#include <string>

#include "bridgebot/bridge/platform_replies.h"
#include "bridgebot/core/clock.h"
#include "bridgebot/net/async_http.h"

namespace bridgebot::api {

class ReplyWebhook final : public bridge::PlatformReplySender {
 public:
  // `http` and `clock` must outlive this object.
  ReplyWebhook(net::AsyncHttpClient& http, std::string url, std::string signing_secret,
               const core::Clock& clock);
  core::Task<Status> send(std::string body) override;

 private:
  net::ClientRequest signed_request(std::string body) const;
  static Status outcome(const Result<net::HttpResponse>& response);

  net::AsyncHttpClient& http_;
  std::string url_;
  std::string path_;  // path and query of url_: what the signature covers
  std::string secret_;
  const core::Clock& clock_;
};

// The request target of an absolute URL ("https://h:1/a/b?q" -> "/a/b?q"; no path: "/").
std::string path_with_query(std::string_view url);

}  // namespace bridgebot::api
