// POST /slack/events: the Events API Request URL, for slack.events.mode http (platform-api.md,
// "Slack events over HTTP"). A request must carry Slack's v0 signature made within 5 minutes
// (else 401). url_verification is answered with its challenge; an event_callback is recorded in
// the same inbox as Socket Mode events, then answered 200: Slack's retries of it
// (X-Slack-Retry-Num) find it recorded and are answered 200 without being handled again. A
// request that could not be recorded gets 503, so Slack retries it.
#pragma once

#include <string>

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/event_inbox.h"
#include "bridgebot/core/clock.h"

namespace bridgebot::api {

inline constexpr const char* kSlackEventsPath = "/slack/events";

struct SlackEventsRoutesDeps {
  std::string signing_secret;  // slack.signing_secret
  const core::Clock& clock;
  bridge::EventInbox& inbox;
};

// Adds POST /slack/events. `inbox` must outlive `api`.
void add_slack_events_routes(PlatformApi& api, SlackEventsRoutesDeps deps);

}  // namespace bridgebot::api
