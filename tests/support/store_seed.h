// Test set-up for code that writes a workspace's synced data (links, directory entries, thread
// anchors): the store keeps such data only for a workspace with an active installation record.
#pragma once

#include <string>

#include "bridgebot/store/store.h"

namespace bridgebot::test {

// Records an active installation of `team_id` (no token: enough for the store's own checks).
// Returns whether the store took it.
inline bool record_installed(store::Store& store, const std::string& team_id) {
  store::Installation installation;
  installation.team_id = team_id;
  installation.domain = "team-" + team_id;
  return store.put_installation(installation).ok();
}

}  // namespace bridgebot::test
