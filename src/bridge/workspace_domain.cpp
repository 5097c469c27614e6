#include "bridgebot/bridge/workspace_domain.h"

#include "bridgebot/core/hosted_subdomain.h"

namespace bridgebot::bridge {

Result<std::string> normalize_workspace_domain(std::string_view text) {
  // Slack workspace domains are at most 21 characters.
  if (auto domain = core::hosted_subdomain(text, "slack.com", 21)) return *domain;
  Error e = make_error("invalid_domain",
                       "'" + std::string(text) +
                           "' is not a Slack workspace domain: give 'acme', 'acme.slack.com' or "
                           "'https://acme.slack.com/'");
  e.field = "workspace_domain";
  return e;
}

}  // namespace bridgebot::bridge
