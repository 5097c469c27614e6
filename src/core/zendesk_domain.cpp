#include "bridgebot/core/zendesk_domain.h"

#include "bridgebot/core/hosted_subdomain.h"

namespace bridgebot::core {

Result<std::string> normalize_zendesk_domain(std::string_view text) {
  // Zendesk subdomains are DNS labels: at most 63 characters.
  if (auto subdomain = hosted_subdomain(text, "zendesk.com", 63)) return *subdomain;
  Error e = make_error("invalid_domain", "'" + std::string(text) +
                                             "' is not a Zendesk subdomain: give 'acme', "
                                             "'acme.zendesk.com' or 'https://acme.zendesk.com/'");
  e.field = "domain";
  return e;
}

}  // namespace bridgebot::core
