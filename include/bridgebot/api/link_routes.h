// Account linking endpoints: PUT/GET/DELETE /v1/users/{platform_user_id}/link (signed).
#pragma once

#include <functional>
#include <string>

#include "bridgebot/api/platform_api.h"
#include "bridgebot/bridge/directory.h"

namespace bridgebot::api {

struct LinkRouteDeps {
  store::Store& store;
  bridge::Directory& directory;
  bridge::Acceptor& acceptor;  // resolves an omitted team_id
  const core::Clock& clock;
  // Revokes a held personal user token (best effort) before the link is deleted; may be empty.
  std::function<void(const std::string& team_id, const std::string& platform_user_id)>
      revoke_user_token;
};

void add_link_routes(PlatformApi& api, LinkRouteDeps deps);

}  // namespace bridgebot::api
