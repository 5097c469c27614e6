#include "bridgebot/bridge/masked_email.h"

namespace bridgebot::bridge {
namespace {

// First character, stars, and the last one when the part is long enough to keep it vague.
std::string mask_part(std::string_view part) {
  if (part.empty()) return "";
  if (part.size() <= 2) return std::string(1, part[0]) + "*";
  return std::string(1, part[0]) + "***" + std::string(1, part.back());
}

}  // namespace

std::string mask_email(std::string_view email) {
  if (email.empty()) return "(none)";
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return mask_part(email);
  std::string_view local = email.substr(0, at);
  std::string_view domain = email.substr(at + 1);
  auto dot = domain.rfind('.');
  std::string_view host = dot == std::string_view::npos ? domain : domain.substr(0, dot);
  std::string_view suffix = dot == std::string_view::npos ? "" : domain.substr(dot);
  std::string masked_host = host.empty() ? "" : std::string(1, host[0]) + "***";
  return mask_part(local) + "@" + masked_host + std::string(suffix);
}

}  // namespace bridgebot::bridge
