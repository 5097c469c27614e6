// What an admin pastes as the workspace domain ("acme", "https://ACME.slack.com/home", ...):
// refused with a message, or normalised to a bare lower-case subdomain that normalises to itself.
#include "bridgebot/bridge/workspace_domain.h"
#include "fuzz_check.h"

using namespace bridgebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto domain = bridge::normalize_workspace_domain(fuzz::as_text(data, size));
  if (!domain.ok()) {
    fuzz::check(!domain.error().message.empty(), "a refusal says why");
    return 0;
  }
  fuzz::check(!domain->empty(), "a domain is not empty");
  for (char c : *domain) {
    fuzz::check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-',
                "a domain is lower-case letters, digits and dashes");
  }
  auto again = bridge::normalize_workspace_domain(*domain);
  fuzz::check(again.ok() && *again == *domain, "normalising is idempotent");
  return 0;
}
