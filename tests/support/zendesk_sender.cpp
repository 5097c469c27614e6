#include "support/zendesk_sender.h"

#include <ctime>

#include "bridgebot/bridge/sources/zendesk.h"
#include "bridgebot/core/json.h"

namespace bridgebot::test {

ZendeskSender::ZendeskSender(std::string base_url, std::string source_id,
                             std::string signing_secret)
    : url_(std::move(base_url) + "/v1/sources/zendesk/" + source_id),
      secret_(std::move(signing_secret)) {
  net::ClientOptions options;
  options.tls.allow_plaintext = true;  // the bot under test listens on loopback without TLS
  options.request_timeout = std::chrono::seconds(30);
  http_ = net::make_http_client(options);
}

ZendeskSender::~ZendeskSender() = default;

ApiResponse ZendeskSender::send(const std::string& body, const ZendeskSigning& signing) const {
  const std::string timestamp =
      iso8601_utc(signing.unix_time.value_or(static_cast<std::int64_t>(std::time(nullptr))));
  net::ClientRequest request;
  request.method = "POST";
  request.url = url_;
  request.body = body;
  request.headers.set("Content-Type", "application/json");
  request.headers.set("User-Agent", "Zendesk Webhook");
  request.headers.set("X-Zendesk-Webhook-Signature-Timestamp", timestamp);
  request.headers.set(
      "X-Zendesk-Webhook-Signature",
      bridge::sources::zendesk_signature(signing.secret.value_or(secret_), timestamp, body));
  auto response = http_->send(request);
  if (!response.ok()) return {0, response.error().to_string()};
  return {response->status, response->body};
}

std::string iso8601_utc(std::int64_t unix_time) {
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string zendesk_ticket_event(const std::string& event_id, const std::string& kind,
                                 int ticket_id, const std::string& subject,
                                 const std::string& status, const std::string& priority) {
  const std::string id = std::to_string(ticket_id);
  return "{\"type\":\"zen:event-type:ticket." + kind +
         "\",\"account_id\":12514403,\"id\":" + core::json_quote(event_id) +
         ",\"time\":\"2026-11-21T10:00:00Z\"," +
         "\"zendesk_event_version\":\"2022-11-06\",\"subject\":\"zen:ticket:" + id + "\"," +
         "\"detail\":{\"id\":\"" + id + "\",\"subject\":" + core::json_quote(subject) +
         ",\"status\":" + core::json_quote(status) + ",\"priority\":" + core::json_quote(priority) +
         ",\"via\":{\"channel\":\"web\"}},\"event\":{}}";
}

}  // namespace bridgebot::test
