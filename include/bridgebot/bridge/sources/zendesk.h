// Zendesk webhooks (platform-api.md, "Helpdesk tickets"): Zendesk's own request signature and
// the mapping of its ticket events to channel notifications. Pure: no I/O, the time is passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/config.h"
#include "bridgebot/core/result.h"

namespace bridgebot::bridge::sources {

inline constexpr std::int64_t kZendeskSignatureWindowSeconds = 300;

// The store's key for a source's activity (store::SourceActivity::source_id).
inline std::string zendesk_activity_key(std::string_view source_id) {
  return "zendesk:" + std::string(source_id);
}

// Unix seconds of an ISO-8601 UTC time as Zendesk writes it ("2021-03-25T05:09:27Z"; fractional
// seconds and a +00:00 / -05:00 offset are accepted too); nullopt when it is not one.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

// base64(HMAC-SHA256(secret, timestamp + body)): X-Zendesk-Webhook-Signature for a request
// (used by tests and the sandbox to sign as Zendesk does).
std::string zendesk_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

// ok, or stale_timestamp (X-Zendesk-Webhook-Signature-Timestamp missing, not ISO-8601, or more
// than 5 minutes from `now_unix`) / invalid_signature. The comparison is constant-time.
Status verify_zendesk_signature(std::string_view secret, std::string_view timestamp_header,
                                std::string_view signature_header, std::string_view body,
                                std::int64_t now_unix);

// What one webhook body asks for: a notification, or nothing (another event type).
struct ZendeskOutcome {
  std::optional<PlatformNotification> notification;
  std::string event_id;  // Zendesk's event id, also for ignored events
  std::string event_type;
};

// Maps a zen:event-type:ticket.* event to the notification of platform-api.md: id = the event
// id, thread_key zendesk:<domain>:<ticket id>, title "Ticket #<id> created|updated: <subject>",
// fields Status and Priority, the agent URL of the ticket, severity from the priority (urgent:
// critical, high: warning, else info). Other event types come back without a notification.
// invalid_json / invalid_field (with field) for a body that is not such an event.
Result<ZendeskOutcome> map_zendesk_event(std::string_view body, const core::ZendeskSource& source);

}  // namespace bridgebot::bridge::sources
