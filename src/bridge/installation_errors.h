// Errors the InstallationService files share. Internal to src/bridge.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/core/result.h"

namespace bridgebot::bridge {

inline Error unknown_team(std::string_view team_id) {
  return make_error("unknown_team", "workspace " + std::string(team_id) +
                                        " is not installed (install it, or check team_id)");
}

inline Error with_field(Error e, std::string field) {
  e.field = std::move(field);
  return e;
}

// "a,b c" -> {"a", "b", "c"}: Slack separates granted scopes by commas (and sometimes spaces).
inline std::vector<std::string> split_scope_list(std::string_view text) {
  std::vector<std::string> scopes;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ' ') {
      if (!current.empty()) scopes.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) scopes.push_back(std::move(current));
  return scopes;
}

}  // namespace bridgebot::bridge
