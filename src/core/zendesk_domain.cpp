#include "bridgebot/core/zendesk_domain.h"

#include <cctype>

namespace bridgebot::core {

Result<std::string> normalize_zendesk_domain(std::string_view text) {
  auto refuse = [&] {
    Error e = make_error("invalid_domain", "'" + std::string(text) +
                                               "' is not a Zendesk subdomain: give 'acme', "
                                               "'acme.zendesk.com' or 'https://acme.zendesk.com/'");
    e.field = "domain";
    return e;
  };
  std::string lower;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  std::string_view rest(lower);
  for (std::string_view scheme : {"https://", "http://"}) {
    if (rest.substr(0, scheme.size()) == scheme) rest.remove_prefix(scheme.size());
  }
  if (auto end = rest.find_first_of("/?#"); end != std::string_view::npos) {
    rest = rest.substr(0, end);
  }
  constexpr std::string_view kSuffix = ".zendesk.com";
  if (rest.size() > kSuffix.size() && rest.substr(rest.size() - kSuffix.size()) == kSuffix) {
    rest.remove_suffix(kSuffix.size());
  }
  // A DNS label: letters, digits and hyphens, no leading or trailing hyphen, at most 63 chars.
  // A dot left here is another host (support.acme.com) or a nested name: not a subdomain.
  if (rest.empty() || rest.size() > 63 || rest.front() == '-' || rest.back() == '-') {
    return refuse();
  }
  for (char c : rest) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return refuse();
  }
  return std::string(rest);
}

}  // namespace bridgebot::core
