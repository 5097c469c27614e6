#include "bridgebot/bridge/workspace_domain.h"

#include <cctype>

namespace bridgebot::bridge {

Result<std::string> normalize_workspace_domain(std::string_view text) {
  auto refuse = [&] {
    Error e = make_error("invalid_domain",
                         "'" + std::string(text) +
                             "' is not a Slack workspace domain: give 'acme', 'acme.slack.com' or "
                             "'https://acme.slack.com/'");
    e.field = "workspace_domain";
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
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  constexpr std::string_view kSuffix = ".slack.com";
  if (rest.size() > kSuffix.size() && rest.substr(rest.size() - kSuffix.size()) == kSuffix) {
    rest.remove_suffix(kSuffix.size());
  }
  // Slack domains: letters, digits and hyphens, no leading or trailing hyphen, at most 21 chars.
  if (rest.empty() || rest.size() > 21 || rest.front() == '-' || rest.back() == '-') {
    return refuse();
  }
  for (char c : rest) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return refuse();
  }
  return std::string(rest);
}

}  // namespace bridgebot::bridge
