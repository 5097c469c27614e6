// The status line of an installation as the admin console lists it: "Connected", with the token's
// remaining life when it rotates, or every problem found without calling Slack (missing scopes,
// an expired token, Socket Mode refused, failing notification destinations), each with the
// admin's next step. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridgebot/store/types.h"

namespace bridgebot::bridge {

struct HealthProblem {
  std::string code;    // "missing_scopes", "token_expired", "destination_failing", ...
  std::string what;    // what is wrong, in a sentence
  std::string action;  // what to do
};

struct InstallationHealth {
  std::string summary;  // "Connected", "Connected, token expires in 3 h 20 min", "Needs attention"
  std::vector<HealthProblem> problems;
  bool ok() const { return problems.empty(); }
};

// `missing_scopes` as InstallationService::missing_scopes reports them for this installation.
InstallationHealth installation_health(const store::Installation& installation,
                                       const std::vector<std::string>& missing_scopes,
                                       std::string_view socket_mode,
                                       const std::vector<store::FailingDestination>& failing,
                                       std::int64_t now_unix);

// "3 h 20 min", "45 min", "2 d 4 h": a span of seconds as an admin reads it.
std::string duration_text(std::int64_t seconds);

}  // namespace bridgebot::bridge
