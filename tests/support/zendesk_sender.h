// Zendesk as the bridge sees it: webhook requests to /v1/sources/zendesk/{source_id}, signed as
// Zendesk signs them (X-Zendesk-Webhook-Signature over an ISO-8601 timestamp + body), unless a
// test forges them. Each send() is one invocation: a retry of an event is the same body sent
// again with a fresh timestamp and signature, as Zendesk does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bridgebot/net/http.h"
#include "support/platform_client.h"

namespace bridgebot::test {

struct ZendeskSigning {
  std::optional<std::int64_t> unix_time;  // default: now
  std::optional<std::string> secret;      // default: the source's signing secret
};

class ZendeskSender {
 public:
  ZendeskSender(std::string base_url, std::string source_id, std::string signing_secret);
  ~ZendeskSender();

  ApiResponse send(const std::string& body, const ZendeskSigning& signing = {}) const;

 private:
  std::string url_;
  std::string secret_;
  std::unique_ptr<net::HttpClient> http_;
};

// "2026-11-21T10:00:00Z" for a Unix time, as Zendesk writes its timestamps.
std::string iso8601_utc(std::int64_t unix_time);

// A zen:event-type:ticket.<kind> event body as Zendesk's reference shows it.
std::string zendesk_ticket_event(const std::string& event_id, const std::string& kind,
                                 int ticket_id, const std::string& subject,
                                 const std::string& status, const std::string& priority);

}  // namespace bridgebot::test
