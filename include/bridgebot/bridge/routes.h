// Which destinations a notification goes to: the configured routes, matched on route name and
// severity. Pure.
#pragma once

#include <vector>

#include "bridgebot/bridge/platform_types.h"
#include "bridgebot/core/config.h"

namespace bridgebot::bridge {

// Every destination of every route that matches, in configuration order, without repeats.
// Empty: no route matches (the API answers 422 no_route).
std::vector<core::RouteDestination> match_routes(const std::vector<core::NotificationRoute>& routes,
                                                 const PlatformNotification& notification);

// A stable key naming one destination ("channel:C1", "webhook:<sha256 hex>", "default"), used
// for thread anchors and per-destination status without storing webhook URLs in clear.
std::string destination_key(const core::RouteDestination& destination);

}  // namespace bridgebot::bridge
