#include "bridgebot/api/slack_events_routes.h"

#include <spdlog/spdlog.h>

#include "bridgebot/core/json.h"
#include "bridgebot/slack/events_api.h"

namespace bridgebot::api {
namespace {

using slack::EventsApiRequest;

// A refusal Slack should not retry: the same request would be refused again.
net::HttpResponse final_refusal(int status, const std::string& code, const std::string& message) {
  net::HttpResponse response = error_response(status, code, message);
  response.headers.set("X-Slack-No-Retry", "1");
  return response;
}

net::HttpResponse record(bridge::EventInbox& inbox, const EventsApiRequest& request,
                         const std::string& retry_num) {
  if (request.event_id.empty() || request.event_json.empty()) {
    return final_refusal(400, "invalid_event", "an event_callback needs event_id and event");
  }
  auto recorded =
      inbox.record({request.event_id, request.team_id, request.event_type, request.event_json});
  if (!recorded.ok()) {
    spdlog::warn("slack events: {} not recorded: {}", request.event_id,
                 recorded.error().to_string());
    return error_response(503, recorded.error());  // Slack retries: it is not recorded yet
  }
  if (!*recorded) {
    spdlog::debug("slack events: {} again (retry {}): already recorded", request.event_id,
                  retry_num.empty() ? "-" : retry_num);
  }
  return json_response(200, "{}");
}

}  // namespace

void add_slack_events_routes(PlatformApi& api, SlackEventsRoutesDeps deps) {
  api.router().add(
      "POST", kSlackEventsPath,
      [&api, deps](const net::HttpRequest& http, const PathParams&, net::Responder respond) {
        auto verified = slack::verify_slack_signature(
            deps.signing_secret, http.headers.get("X-Slack-Request-Timestamp"),
            http.headers.get("X-Slack-Signature"), http.body, deps.clock.unix_seconds());
        if (!verified.ok()) {
          respond(error_response(401, verified.error()));
          return;
        }
        EventsApiRequest request = slack::parse_events_api_request(http.body);
        switch (request.type) {
          case EventsApiRequest::Type::url_verification:
            respond(
                json_response(200, "{\"challenge\":" + core::json_quote(request.challenge) + "}"));
            return;
          case EventsApiRequest::Type::event_callback:
            // Recording waits for a commit: off the I/O thread.
            api.on_worker(std::move(respond), [&inbox = deps.inbox, request = std::move(request),
                                               retry_num = http.headers.get("X-Slack-Retry-Num")] {
              return record(inbox, request, retry_num);
            });
            return;
          case EventsApiRequest::Type::other:
            spdlog::info("slack events: ignored a request of type {}", request.type_text);
            respond(json_response(200, "{}"));
            return;
          case EventsApiRequest::Type::invalid:
            respond(final_refusal(400, "invalid_json", "the body is not an Events API object"));
            return;
        }
      });
}

}  // namespace bridgebot::api
