#include "bridgebot/core/hosted_subdomain.h"

#include <cctype>

namespace bridgebot::core {

std::optional<std::string> hosted_subdomain(std::string_view text, std::string_view host_suffix,
                                            std::size_t max_length) {
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
  const std::string suffix = "." + std::string(host_suffix);
  if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
    rest.remove_suffix(suffix.size());
  }
  // A dot left here is another host or a nested name: not a subdomain of host_suffix.
  if (rest.empty() || rest.size() > max_length || rest.front() == '-' || rest.back() == '-') {
    return std::nullopt;
  }
  for (char c : rest) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
  }
  return std::string(rest);
}

}  // namespace bridgebot::core
