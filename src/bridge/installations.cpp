#include "bridgebot/bridge/installations.h"

#include <algorithm>

namespace bridgebot::bridge {

bool ActiveInstallation::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

}  // namespace bridgebot::bridge
