// Workspace domains as admins type them: "acme", "acme.slack.com", "https://acme.slack.com/",
// "ACME.slack.com/home". Pure.
#pragma once

#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::bridge {

// The bare lower-case domain ("acme"), or invalid_domain with a sentence saying what is accepted.
Result<std::string> normalize_workspace_domain(std::string_view text);

}  // namespace bridgebot::bridge
