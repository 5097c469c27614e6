#include "bridgebot/slack/scopes.h"

#include <algorithm>

namespace bridgebot::slack {

std::vector<std::string> missing_scopes(const std::vector<std::string>& granted) {
  std::vector<std::string> missing;
  for (std::string_view scope : kRequiredBotScopes) {
    if (std::find(granted.begin(), granted.end(), scope) == granted.end()) {
      missing.emplace_back(scope);
    }
  }
  return missing;
}

}  // namespace bridgebot::slack
