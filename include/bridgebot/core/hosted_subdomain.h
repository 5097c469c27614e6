// The subdomain an admin means when they type a hosted account's address: "acme",
// "acme.slack.com", "https://ACME.zendesk.com/agent/..." all mean "acme". Pure. Slack workspace
// domains and Zendesk sources share it; each names its own accepted forms when it refuses.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bridgebot::core {

// Spaces dropped, lower-cased, scheme, path/query/fragment and ".<host_suffix>" cut off. The rest
// must be one DNS label (letters, digits, inner hyphens) of at most max_length characters;
// otherwise nullopt (another host such as support.acme.com, or nothing usable).
std::optional<std::string> hosted_subdomain(std::string_view text, std::string_view host_suffix,
                                            std::size_t max_length);

}  // namespace bridgebot::core
