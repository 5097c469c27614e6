// POST /v1/sources/zendesk/{source_id} (platform-api.md, "Helpdesk tickets"): authenticated by
// Zendesk's own signature, not the platform's; the work runs on the API's worker pool.
#pragma once

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/sources/zendesk_intake.h"

namespace bridgebot::api {

// `intake` must outlive the PlatformApi.
void add_source_routes(PlatformApi& api, bridge::sources::ZendeskIntake& intake);

}  // namespace bridgebot::api
