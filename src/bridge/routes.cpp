#include "bridgebot/bridge/routes.h"

#include <algorithm>

#include "bridgebot/core/crypto.h"

namespace bridgebot::bridge {
namespace {

bool matches(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

std::string destination_key(const core::RouteDestination& destination) {
  if (!destination.channel.empty()) return "channel:" + destination.channel;
  if (!destination.webhook.empty()) {
    return "webhook:" + core::hex_encode(core::sha256(destination.webhook)).substr(0, 16);
  }
  return "default";
}

std::vector<core::RouteDestination> match_routes(const std::vector<core::NotificationRoute>& routes,
                                                 const PlatformNotification& notification) {
  std::vector<core::RouteDestination> out;
  std::vector<std::string> seen;
  for (const auto& route : routes) {
    if (!matches(route.match_routes, notification.route) ||
        !matches(route.match_severities, notification.severity)) {
      continue;
    }
    for (const auto& destination : route.to) {
      std::string key = destination_key(destination);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(std::move(key));
      out.push_back(destination);
    }
  }
  return out;
}

}  // namespace bridgebot::bridge
