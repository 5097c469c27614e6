#include "bridgebot/api/source_routes.h"

#include "bridgebot/core/json.h"

namespace bridgebot::api {

void add_source_routes(PlatformApi& api, bridge::sources::ZendeskIntake& intake) {
  api.router().add(
      "POST", "/v1/sources/zendesk/{source_id}",
      [&api, &intake](const net::HttpRequest& request, const PathParams& params,
                      net::Responder respond) {
        bridge::sources::ZendeskRequest zendesk{
            params.at("source_id"), request.headers.get("X-Zendesk-Webhook-Signature-Timestamp"),
            request.headers.get("X-Zendesk-Webhook-Signature"), request.body};
        api.on_worker(std::move(respond), [&intake, zendesk = std::move(zendesk)] {
          auto answer = intake.receive(zendesk);
          if (!answer.ok()) return error_response(http_status_for(answer.error()), answer.error());
          // 202 only when this request queued the notification; Zendesk's retries of one event
          // are answered 200 duplicate.
          return json_response(answer->status == "queued" ? 202 : 200,
                               "{\"id\":" + core::json_quote(answer->event_id) +
                                   ",\"status\":" + core::json_quote(answer->status) + "}");
        });
      });
}

}  // namespace bridgebot::api
