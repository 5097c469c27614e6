// The method table: name, handler, scope, token kind and rate-limit tier of every method.
#include <array>

#include "web_api.h"

namespace bridgebot::emulator {
namespace {

constexpr std::array kMethods{
    MethodSpec{"auth.test", auth_test, "", false, Tier::special},
    MethodSpec{"auth.revoke", auth_revoke, "", false, Tier::tier3},
    // Tier 3 in Slack's current method reference (an older page said Tier 1).
    MethodSpec{"apps.connections.open", apps_connections_open, "connections:write", true,
               Tier::tier3},
    MethodSpec{"users.lookupByEmail", users_lookup_by_email, "users:read.email", false,
               Tier::tier3},
    MethodSpec{"users.list", users_list, "users:read", false, Tier::tier2},
    MethodSpec{"users.info", users_info, "users:read", false, Tier::tier4},
    MethodSpec{"chat.postMessage", chat_post_message, "chat:write", false, Tier::per_channel},
    MethodSpec{"chat.update", chat_update, "chat:write", false, Tier::tier3},
    MethodSpec{"conversations.open", conversations_open, "im:write", false, Tier::tier3},
    MethodSpec{"views.publish", views_publish, "", false, Tier::tier4},
};

}  // namespace

const MethodSpec* find_method(std::string_view name) {
  for (const auto& method : kMethods) {
    if (method.name == name) return &method;
  }
  return nullptr;
}

}  // namespace bridgebot::emulator
