// Zendesk account domains as admins type them: "acme", "acme.zendesk.com",
// "https://acme.zendesk.com/agent/...". Pure. In core because the configuration normalises
// sources.zendesk[].domain while loading, so a wrong form fails check-config.
#pragma once

#include <string>
#include <string_view>

#include "bridgebot/core/result.h"

namespace bridgebot::core {

// The bare lower-case subdomain ("acme"), or invalid_domain with a sentence naming the
// accepted forms. Host-mapped domains (support.acme.com) are refused: the agent links and the
// thread keys need the zendesk.com subdomain.
Result<std::string> normalize_zendesk_domain(std::string_view text);

}  // namespace bridgebot::core
