#include "bridgebot/slack/scopes.h"

#include <algorithm>

namespace bridgebot::slack {

std::vector<std::string> missing_scopes(const std::vector<std::string>& granted, bool replies) {
  std::vector<std::string> missing;
  auto check = [&](const auto& required) {
    for (std::string_view scope : required) {
      if (std::find(granted.begin(), granted.end(), scope) == granted.end()) {
        missing.emplace_back(scope);
      }
    }
  };
  check(kRequiredBotScopes);
  if (replies) check(kReplyBotScopes);
  return missing;
}

}  // namespace bridgebot::slack
